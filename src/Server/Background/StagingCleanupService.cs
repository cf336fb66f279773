using CacheRegistry.Server.Storage;

namespace CacheRegistry.Server.Background;

/// <summary>Removes staged files that a crashed upload left behind, at start and then hourly.</summary>
public sealed class StagingCleanupService(StagingArea staging, ILogger<StagingCleanupService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        do
        {
            var removed = staging.RemoveStaleFiles();
            if (removed > 0) logger.LogInformation("Removed {Count} stale staged files", removed);
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
