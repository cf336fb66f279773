using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Storage;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Health;

public sealed class DatabaseHealthCheck(MetadataHealth database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("the metadata database cannot be reached");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("the metadata database cannot be reached", e);
        }
    }
}

public sealed class StorageHealthCheck(IBlobStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.CheckHealthAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("blob storage cannot be reached", e);
        }
    }
}

/// <summary>Not ready when the staging area's disk is nearly full: uploads would fail there first.</summary>
public sealed class StagingSpaceHealthCheck(StagingArea staging, IOptions<CacheLimitsOptions> limits) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var free = staging.FreeBytes;
        return Task.FromResult(free >= limits.Value.MinFreeStagingBytes
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"the staging area has {free} bytes free, under the {limits.Value.MinFreeStagingBytes} required"));
    }
}
