using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>Applies the pending migrations of whichever provider is configured.</summary>
public sealed class DatabaseMigrator
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;
    private readonly ILogger<DatabaseMigrator> _logger;

    internal DatabaseMigrator(IDbContextFactory<CacheDbContext> contexts, ILogger<DatabaseMigrator> logger)
    {
        _contexts = contexts;
        _logger = logger;
    }

    /// <param name="exclusive">
    /// The caller holds the only access to the database (the embedded default's data directory lock), so a
    /// migration lock left in it can only be a crashed server's and is cleared.
    /// </param>
    public async Task MigrateAsync(bool exclusive, CancellationToken cancellationToken = default)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        if (exclusive && db.Database.IsSqlite()) await ClearStaleSqliteLockAsync(db, cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        // Up to date (every start but the first after an upgrade): MigrateAsync would take the migration
        // lock and compare the whole model with its snapshot, half a second of a start for nothing.
        if (pending.Count == 0) return;
        _logger.LogInformation("Applying migrations: {Migrations}", string.Join(", ", pending));
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // Write-ahead logging lets readers proceed while a write is in progress; the mode persists in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    // EF Core keeps SQLite's migration lock as a row; a server killed while migrating leaves it behind,
    // and every later migration would wait for it forever.
    private async Task ClearStaleSqliteLockAsync(CacheDbContext db, CancellationToken cancellationToken)
    {
        var tables = await db.Database.SqlQueryRaw<string>("SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsLock'")
            .ToListAsync(cancellationToken);
        if (tables.Count == 0) return;
        var cleared = await db.Database.ExecuteSqlRawAsync("DELETE FROM \"__EFMigrationsLock\"", cancellationToken);
        if (cleared > 0) _logger.LogWarning("Cleared a migration lock left by a server that stopped while migrating");
    }
}
