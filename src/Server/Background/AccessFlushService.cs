using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Access;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Background;

/// <summary>Writes the hits and presence answers counted by <see cref="AccessTracker"/>, every flush interval and at shutdown.</summary>
public sealed class AccessFlushService(AccessFlusher flusher, IOptions<AccessTrackingOptions> options, ILogger<AccessFlushService> logger) : PeriodicService(logger)
{
    protected override TimeSpan Interval => options.Value.FlushInterval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => flusher.FlushAsync(cancellationToken);

    protected override async Task OnStoppingAsync()
    {
        try
        {
            await flusher.FlushAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning("Could not record the last cache hits ({Error}); they are dropped", e.Message);
        }
    }
}
