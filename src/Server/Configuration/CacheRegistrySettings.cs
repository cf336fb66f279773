namespace CacheRegistry.Server.Configuration;

/// <summary>Every settings section the server reads, bound and validated at start (a bad setting stops the server with one line naming it).</summary>
public static class CacheRegistrySettings
{
    /// <summary>The sections, in the order --help lists them.</summary>
    public static readonly IReadOnlyList<(string Section, Type Options)> Sections =
    [
        (CacheRegistryOptions.Section, typeof(CacheRegistryOptions)),
        (DatabaseOptions.Section, typeof(DatabaseOptions)),
        (StorageOptions.Section, typeof(StorageOptions)),
        (CacheLimitsOptions.Section, typeof(CacheLimitsOptions)),
        (CompressionOptions.Section, typeof(CompressionOptions)),
        (AccessTrackingOptions.Section, typeof(AccessTrackingOptions)),
        (GcOptions.Section, typeof(GcOptions)),
        (AuthOptions.Section, typeof(AuthOptions)),
        (RateLimitOptions.Section, typeof(RateLimitOptions)),
        (TelemetryOptions.Section, typeof(TelemetryOptions)),
        (GrpcOptions.Section, typeof(GrpcOptions)),
        (Dashboard.DashboardOptions.Section, typeof(Dashboard.DashboardOptions)),
    ];

    public static IServiceCollection AddCacheRegistrySettings(this IServiceCollection services)
    {
        services.AddSettings<CacheRegistryOptions>(CacheRegistryOptions.Section);
        services.AddSettings<DatabaseOptions>(DatabaseOptions.Section);
        services.AddSettings<StorageOptions>(StorageOptions.Section);
        services.AddSettings<CacheLimitsOptions>(CacheLimitsOptions.Section);
        services.AddSettings<CompressionOptions>(CompressionOptions.Section);
        services.AddSettings<AccessTrackingOptions>(AccessTrackingOptions.Section);
        services.AddSettings<GcOptions>(GcOptions.Section);
        services.AddSettings<AuthOptions>(AuthOptions.Section);
        services.AddSettings<RateLimitOptions>(RateLimitOptions.Section);
        services.AddSettings<TelemetryOptions>(TelemetryOptions.Section);
        services.AddSettings<GrpcOptions>(GrpcOptions.Section);
        services.AddSettings<Dashboard.DashboardOptions>(Dashboard.DashboardOptions.Section);
        return services;
    }
}
