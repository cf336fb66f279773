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
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Storage.FileSystem;
using CacheRegistry.Server.Storage.S3;

namespace CacheRegistry.Server;

public static class CacheRegistryServiceCollectionExtensions
{
    /// <summary>Registers the cache core, the configured metadata and storage backends, and background services.</summary>
    public static IServiceCollection AddCacheRegistry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CacheRegistryOptions>().BindConfiguration(CacheRegistryOptions.Section);
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section);
        services.AddOptions<CacheLimitsOptions>().BindConfiguration(CacheLimitsOptions.Section);
        services.AddOptions<CompressionOptions>().BindConfiguration(CompressionOptions.Section);
        services.AddOptions<AccessTrackingOptions>().BindConfiguration(AccessTrackingOptions.Section);
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section);
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section);
        services.AddOptions<GcOptions>().BindConfiguration(GcOptions.Section);
        services.AddOptions<Observability.TelemetryOptions>().BindConfiguration(Observability.TelemetryOptions.Section);

        // The provider choice shapes the service graph, so it is read now rather than through IOptions.
        var registry = configuration.GetSection(CacheRegistryOptions.Section).Get<CacheRegistryOptions>() ?? new();
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new();
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new();
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
        services.AddSingleton<StorageUsage>();
        services.AddSingleton<CacheMetrics>();
        services.AddSingleton<BlobIngestor>();
        services.AddSingleton<BlobReader>();
        services.AddSingleton<BlobWriter>();
        services.AddSingleton<BlobRemover>();
        services.AddSingleton<ContentStore>();
        services.AddSingleton<EntryStore>();
        services.AddSingleton<NamespaceDeletion>();
        services.AddSingleton<ArtifactRegistry>();
        services.AddSingleton<UploadSessions>();
        services.AddSingleton<Observability.PrometheusExporter>();
        services.AddHostedService<Observability.OpenTelemetryService>();

        services.AddHostedService<AccessFlushService>();
        services.AddHostedService<ChangeFeedService>();
        services.AddHostedService<StagingCleanupService>();
        services.AddSingleton<GcLease>();
        services.AddSingleton<EvictionPolicies>();
        services.AddSingleton<OrphanSweep>();
        services.AddSingleton<MetadataRepair>();
        services.AddSingleton<GarbageCollector>();
        services.AddHostedService<GcService>();

        services.AddSingleton<EntryRequests>();
        services.AddSingleton<AuditLog>();
        services.AddHostedService<AuditWriterService>();
        services.AddCacheAuth(configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new());
        services.AddCacheRateLimiting(configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new());

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
