using CacheRegistry.Server.Configuration;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

public static class MetadataServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IDbContextFactory{CacheDbContext}"/> for the configured provider.</summary>
    public static IServiceCollection AddCacheMetadata(this IServiceCollection services, DatabaseOptions database, CacheRegistryOptions registry)
    {
        switch (database.Provider)
        {
            case DatabaseProvider.Sqlite:
                var sqlite = database.ConnectionString ?? $"Data Source={Path.Combine(registry.DataDirectoryFullPath, "cacheregistry.db")}";
                services.AddPooledDbContextFactory<SqliteCacheDbContext>(o => o.UseSqlite(sqlite));
                services.AddSingleton<IDbContextFactory<CacheDbContext>, ProviderContextFactory<SqliteCacheDbContext>>();
                break;
            case DatabaseProvider.PostgreSQL:
                var postgres = database.ConnectionString
                    ?? throw new InvalidOperationException($"{DatabaseOptions.Section}:ConnectionString must be set to use PostgreSQL.");
                services.AddPooledDbContextFactory<PostgresCacheDbContext>(o => o.UseNpgsql(postgres));
                services.AddSingleton<IDbContextFactory<CacheDbContext>, ProviderContextFactory<PostgresCacheDbContext>>();
                break;
            default:
                throw new InvalidOperationException($"Unknown database provider {database.Provider}.");
        }
        services.AddSingleton<DatabaseMigrator>();
        return services;
    }

    private sealed class ProviderContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<CacheDbContext>
        where TContext : CacheDbContext
    {
        public CacheDbContext CreateDbContext() => inner.CreateDbContext();
    }
}
