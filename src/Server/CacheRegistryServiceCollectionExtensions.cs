using CacheRegistry.Server.Http.Authorization;
using CacheRegistry.Server.Audit;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Background;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Artifacts;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Core.Storage;
using CacheRegistry.Server.Gc;
using CacheRegistry.Server.Grpc;
using CacheRegistry.Server.Health;
using CacheRegistry.Server.Hosting;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Server.Observability;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Storage.FileSystem;
using CacheRegistry.Server.Storage.S3;

namespace CacheRegistry.Server;

public static class CacheRegistryServiceCollectionExtensions
{
    /// <summary>Registers the cache core, the configured metadata and storage backends, and background services.</summary>
    public static IServiceCollection AddCacheRegistry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCacheRegistrySettings();

        // The provider choice shapes the service graph, so it is read (and checked) now rather than through IOptions.
        var registry = configuration.ReadSettings<CacheRegistryOptions>(CacheRegistryOptions.Section);
        var database = configuration.ReadSettings<DatabaseOptions>(DatabaseOptions.Section);
        var storage = configuration.ReadSettings<StorageOptions>(StorageOptions.Section);
        var auth = configuration.ReadSettings<AuthOptions>(AuthOptions.Section);
        var rateLimit = configuration.ReadSettings<RateLimitOptions>(RateLimitOptions.Section);
        Directory.CreateDirectory(registry.DataDirectoryFullPath);

        services.AddCacheMetadata(database, registry);
        services.AddBlobStore(storage.Provider);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<DataDirectoryLock>();
        services.AddSingleton<StorageBindingCheck>();
        services.AddSingleton<OutageMonitor>();
        services.AddHostedService<OutageProbeService>();

        services.AddSingleton<StagingArea>();
        services.AddSingleton<AccessTracker>();
        services.AddSingleton<AccessFlusher>();
        services.AddSingleton<LookupCache>();
        services.AddSingleton<CacheStatistics>();
        services.AddSingleton<RecentMisses>();
        services.AddSingleton<StorageUsage>();
        services.AddSingleton<CacheMetrics>();
        services.AddSingleton<BlobIngestor>();
        services.AddSingleton<InlineContents>();
        services.AddSingleton<BlobReader>();
        services.AddSingleton<BlobWriter>();
        services.AddSingleton<BlobRemover>();
        services.AddSingleton<ContentStore>();
        services.AddSingleton<EntryStore>();
        services.AddSingleton<NamespaceDeletion>();
        services.AddSingleton<ArtifactRegistry>();
        services.AddSingleton<UploadSessions>();
        services.AddCacheTelemetry(configuration.ReadSettings<TelemetryOptions>(TelemetryOptions.Section));

        services.AddHostedService<AccessFlushService>();
        services.AddHostedService<ChangeFeedService>();
        services.AddHostedService<StagingCleanupService>();
        services.AddHostedService<DurabilityFlushService>();
        services.AddHostedService<WalCheckpointService>();
        services.AddHostedService<PresenceFilterLoader>();
        services.AddSingleton<GcLease>();
        services.AddSingleton<EvictionPolicies>();
        services.AddSingleton<OrphanSweep>();
        services.AddSingleton<MetadataRepair>();
        services.AddSingleton<GarbageCollector>();
        services.AddHostedService<GcService>();

        services.AddSingleton<EntryRequests>();
        services.AddSingleton<AuditLog>();
        services.AddHostedService<AuditWriterService>();
        services.AddCacheAuth(auth);
        services.AddCacheRateLimiting(rateLimit);

        services.AddProblemDetails();
        services.AddSingleton<ErrorResponses>();
        services.AddExceptionHandler<RequestErrorHandler>();
        services.AddCacheAuthorization();
        services.AddReapiGrpc();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<StorageHealthCheck>("storage", tags: ["ready"])
            .AddCheck<StagingSpaceHealthCheck>("staging", tags: ["ready"]);
        return services;
    }

    private static IServiceCollection AddBlobStore(this IServiceCollection services, StorageProvider provider)
    {
        switch (provider)
        {
            case StorageProvider.FileSystem:
                services.AddSingleton<IBlobStore, FileSystemBlobStore>();
                break;
            case StorageProvider.S3:
                services.AddSingleton<IBlobStore, S3BlobStore>();
                break;
            default:
                throw new InvalidOperationException($"Unknown storage provider {provider}.");
        }
        return services;
    }
}
