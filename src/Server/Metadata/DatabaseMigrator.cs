using System.Data.Common;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CacheRegistry.Server.Metadata;

/// <summary>Applies the pending migrations of whichever provider is configured.</summary>
public sealed class DatabaseMigrator
{
    private const string HistoryTable = "__EFMigrationsHistory";
    private const string SqliteLockTable = "__EFMigrationsLock";

    private readonly IDbContextFactory<CacheDbContext> _contexts;
    private readonly PlainSql _sql;
    private readonly MetadataDialect _dialect;
    private readonly Type _contextType;
    private readonly ILogger<DatabaseMigrator> _logger;
    private readonly string? _embeddedDatabaseFile;
    private readonly SqliteMigrationSnapshot? _snapshot;

    /// <param name="embeddedDatabaseFile">The embedded SQLite database's file; null for a database given by a connection string.</param>
    internal DatabaseMigrator(IDbContextFactory<CacheDbContext> contexts, PlainSql sql, MetadataDialect dialect, Type contextType, string? embeddedDatabaseFile, ILogger<DatabaseMigrator> logger)
    {
        _contexts = contexts;
        _sql = sql;
        _dialect = dialect;
        _contextType = contextType;
        _logger = logger;
        _embeddedDatabaseFile = embeddedDatabaseFile;
        _snapshot = embeddedDatabaseFile is null ? null : new SqliteMigrationSnapshot(embeddedDatabaseFile, sql, logger);
    }

    private bool IsSqlite => _contextType == typeof(SqliteCacheDbContext);

    /// <param name="exclusive">
    /// The caller holds the only access to the database (the embedded default's data directory lock), so a
    /// migration lock left in it can only be a crashed server's and is cleared.
    /// </param>
    public async Task MigrateAsync(bool exclusive, CancellationToken cancellationToken = default)
    {
        var snapshot = exclusive ? _snapshot : null;
        snapshot?.RestoreIfInterrupted();
        // Every connection opens the embedded database without creating it: a first start creates it here
        // (SQLite reads an empty file as an empty database).
        if (_embeddedDatabaseFile is { } file && !File.Exists(file)) await File.WriteAllBytesAsync(file, [], cancellationToken);
        if (exclusive && IsSqlite) await ClearStaleSqliteLockAsync(cancellationToken);
        // None pending (every start but the first after an upgrade): asked in plain SQL, because EF Core's
        // MigrateAsync would take the migration lock and compare the whole model with its snapshot, and
        // even GetPendingMigrationsAsync costs EF Core's first-query set-up.
        var pending = await PendingMigrationsAsync(cancellationToken);
        if (pending.Count == 0) return;

        if (snapshot is not null) await snapshot.SaveAsync(cancellationToken);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        _logger.LogInformation("Applying migrations: {Migrations}", string.Join(", ", pending));
        await db.Database.MigrateAsync(cancellationToken);
        if (IsSqlite)
        {
            // Write-ahead logging lets readers proceed while a write is in progress; the mode persists in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        snapshot?.Discard();
    }

    // The migrations compiled into the server that the history table does not record, in order (a newer
    // server may have recorded more); all of them for a new database.
    private async Task<List<string>> PendingMigrationsAsync(CancellationToken cancellationToken)
    {
        var applied = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            applied.UnionWith(await _sql.QueryAsync($"SELECT \"MigrationId\" FROM \"{HistoryTable}\"", reader => reader.GetString(0), cancellationToken));
        }
        catch (DbException e) when (_dialect.IsMissingSchema(e))
        {
            // a new database: EF Core's MigrateAsync creates it
        }
        return KnownMigrations().Where(id => !applied.Contains(id)).Order(StringComparer.Ordinal).ToList();
    }

    // The migrations EF Core would apply to this context: concrete types marked with the context and a migration id.
    private IEnumerable<string> KnownMigrations()
    {
        Type?[] types;
        try
        {
            types = _contextType.Assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types;
        }
        return from type in types
               where type is { IsAbstract: false } && type.IsSubclassOf(typeof(Migration)) && type.GetCustomAttribute<DbContextAttribute>()?.ContextType == _contextType
               let id = type.GetCustomAttribute<MigrationAttribute>()?.Id
               where id is not null
               select id;
    }

    // EF Core keeps SQLite's migration lock as a row; a server killed while migrating leaves it behind,
    // and every later migration would wait for it forever.
    private async Task ClearStaleSqliteLockAsync(CancellationToken cancellationToken)
    {
        List<string> tables;
        try
        {
            tables = await _sql.QueryAsync($"SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{SqliteLockTable}'", reader => reader.GetString(0), cancellationToken);
        }
        catch (DbException e) when (_dialect.IsMissingSchema(e))
        {
            return; // no database yet: a first start
        }
        if (tables.Count == 0) return;
        var cleared = await _sql.ExecuteAsync($"DELETE FROM \"{SqliteLockTable}\"", cancellationToken);
        if (cleared > 0) _logger.LogWarning("Cleared a migration lock left by a server that stopped while migrating");
    }
}
