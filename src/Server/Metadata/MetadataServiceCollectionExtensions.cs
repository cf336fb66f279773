using CacheRegistry.Server.Configuration;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Metadata;

public static class MetadataServiceCollectionExtensions
{
    /// <summary>Registers the configured database provider and the catalogs over it.</summary>
    public static IServiceCollection AddCacheMetadata(this IServiceCollection services, DatabaseOptions database, CacheRegistryOptions registry)
    {
        Type contextType;
        switch (database.Provider)
        {
            case DatabaseProvider.Sqlite:
                contextType = typeof(SqliteCacheDbContext);
                var sqlite = SqliteConnectionString(database, registry);
                services.AddPooledDbContextFactory<SqliteCacheDbContext>((s, o) => o.UseSqlite(sqlite).AddInterceptors(new SqliteOffSocketThreads()).AddInterceptors(s.GetServices<IInterceptor>()).AddInterceptors(new SqliteConnectionSettings())
                    // Warnings EF Core gives on every fresh start: the Integrity migration fixes data up before SQLite's table
                    // rebuilds on purpose (MigrationTests checks the result), and a rebuild commits the migration's earlier steps
                    // (not atomic: on the embedded default SqliteMigrationSnapshot makes the whole migration all or nothing).
                    .ConfigureWarnings(w => w.Ignore(SqliteEventId.TableRebuildPendingWarning, RelationalEventId.NonTransactionalMigrationOperationWarning)));
                services.AddSingleton<IDbContextFactory<CacheDbContext>, ProviderContextFactory<SqliteCacheDbContext>>();
                services.AddSingleton<MetadataDialect, SqliteDialect>();
                services.AddSingleton(new PlainSql(() => new Microsoft.Data.Sqlite.SqliteConnection(OpenedAnew(sqlite)), SqliteConnectionSettings.Apply));
                break;
            case DatabaseProvider.PostgreSQL:
                contextType = typeof(PostgresCacheDbContext);
                services.AddPooledDbContextFactory<PostgresCacheDbContext>((s, o) => o.UseNpgsql(database.ConnectionString).AddInterceptors(s.GetServices<IInterceptor>()));
                services.AddSingleton<IDbContextFactory<CacheDbContext>, ProviderContextFactory<PostgresCacheDbContext>>();
                services.AddSingleton<MetadataDialect, PostgresDialect>();
                services.AddSingleton(new PlainSql(() => new Npgsql.NpgsqlConnection(database.ConnectionString), _ => { }));
                break;
            default:
                throw new InvalidOperationException($"Unknown database provider {database.Provider}.");
        }

        // The catalogs' constructors are internal (they take the internal model); only this registers them.
        services.AddSingleton(s => new BlobCatalog(Contexts(s), Dialect(s), s.GetRequiredService<PresenceFilter>()));
        services.AddSingleton(s => new EntryCatalog(Contexts(s), Dialect(s), s.GetRequiredService<PresenceFilter>()));
        // Only the embedded SQLite has a single writer (this server); with PostgreSQL, replicas write too.
        services.AddSingleton(s => new PresenceFilter(database.Provider == DatabaseProvider.Sqlite
            ? s.GetRequiredService<IOptions<CacheLimitsOptions>>().Value.PresenceFilterItems : 0));
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            services.AddSingleton(s => new SqliteSharing(SqliteConnectionString(database, registry), s.GetRequiredService<PresenceFilter>(), s.GetRequiredService<ILogger<SqliteSharing>>()));
            services.AddHostedService(s => s.GetRequiredService<SqliteSharing>());
            services.AddSingleton(_ => new SqliteCheckpointer(OpenedAnew(SqliteConnectionString(database, registry))));
        }
        services.AddSingleton(s => new ArtifactCatalog(Contexts(s), Dialect(s)));
        services.AddSingleton(s => new UploadCatalog(Contexts(s), Dialect(s)));
        services.AddSingleton(s => new TokenCatalog(Contexts(s), Dialect(s), Plain(s)));
        services.AddSingleton(s => new AuditCatalog(Contexts(s), Dialect(s), s.GetRequiredService<MetadataWriter>()));
        services.AddSingleton(s => new UsageCatalog(Contexts(s)));
        services.AddSingleton(s => new LeaseCatalog(Contexts(s), Dialect(s)));
        services.AddSingleton(s => new ChangeLog(Contexts(s), Plain(s)));
        services.AddSingleton(s => new StorageBindingCatalog(Contexts(s), Dialect(s), Plain(s)));
        services.AddSingleton(s => new MetadataWriter(Contexts(s), Dialect(s),
            database.Provider == DatabaseProvider.Sqlite ? new SqliteGroupCommit(SqliteConnectionString(database, registry)) : null));
        services.AddSingleton(s => new MetadataHealth(Plain(s), Dialect(s)));
        services.AddSingleton(s => new GcPassCatalog(Contexts(s)));
        services.AddSingleton(s => new RollupCatalog(Contexts(s), Dialect(s)));
        services.AddSingleton(s => new RecentMissCatalog(Contexts(s)));
        services.AddSingleton(s => new ProtectionKeyCatalog(Contexts(s)));
        services.AddSingleton(s => new DashboardCatalog(Contexts(s)));
        services.AddHostedService(s => new QueryWarmup(Contexts(s), s.GetRequiredService<ILogger<QueryWarmup>>()));
        var embeddedDatabaseFile = database.Provider == DatabaseProvider.Sqlite && string.IsNullOrEmpty(database.ConnectionString) ? EmbeddedDatabaseFile(registry) : null;
        services.AddSingleton(s => new DatabaseMigrator(Contexts(s), Plain(s), Dialect(s), contextType, embeddedDatabaseFile, s.GetRequiredService<ILogger<DatabaseMigrator>>()));
        return services;
    }

    // Plain reads are few (the start, the readiness probe): each opens the file afresh, unpooled, and never
    // creates it, so a database file lost under a running server is reported rather than replaced by an
    // empty one. The checkpointer's connection is opened the same way.
    private static string OpenedAnew(string sqliteConnectionString)
    {
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(sqliteConnectionString) { Pooling = false };
        if (builder.Mode == Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate) builder.Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadWrite;
        return builder.ToString();
    }

    // The embedded database is never created by opening it (Mode=ReadWrite): a lost file is reported as an outage
    // instead of being replaced by an empty database on the next query. DatabaseMigrator creates it on a first start.
    private static string SqliteConnectionString(DatabaseOptions database, CacheRegistryOptions registry) =>
        string.IsNullOrEmpty(database.ConnectionString) ? $"Data Source={EmbeddedDatabaseFile(registry)};Mode=ReadWrite" : database.ConnectionString;

    private static string EmbeddedDatabaseFile(CacheRegistryOptions registry) => Path.Combine(registry.DataDirectoryFullPath, "cacheregistry.db");

    private static IDbContextFactory<CacheDbContext> Contexts(IServiceProvider services) => services.GetRequiredService<IDbContextFactory<CacheDbContext>>();

    private static MetadataDialect Dialect(IServiceProvider services) => services.GetRequiredService<MetadataDialect>();

    private static PlainSql Plain(IServiceProvider services) => services.GetRequiredService<PlainSql>();

    private sealed class ProviderContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<CacheDbContext>
        where TContext : CacheDbContext
    {
        public CacheDbContext CreateDbContext() => inner.CreateDbContext();
    }
}
