using CacheRegistry.Server.Core.Storage;

namespace CacheRegistry.Server.Background;

/// <summary>Removes staged files that a crashed upload left behind, at start and then hourly.</summary>
public sealed class StagingCleanupService(StagingArea staging, ILogger<StagingCleanupService> logger) : PeriodicService(logger)
{
    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var removed = staging.RemoveStaleFiles();
        if (removed > 0) logger.LogInformation("Removed {Count} stale staged files", removed);
        return Task.CompletedTask;
    }
}
