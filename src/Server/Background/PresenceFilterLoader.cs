using System.Diagnostics;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Background;

/// <summary>
/// Fills the <see cref="PresenceFilter"/> with what the database held at start, once, then lets it
/// answer. Grants and entries committed meanwhile add themselves, so nothing falls between the scan
/// and the writes. If the scan fails, the filter stays off (every miss queries) until a restart.
/// </summary>
public sealed class PresenceFilterLoader(PresenceFilter filter, BlobCatalog blobs, EntryCatalog entries, ILogger<PresenceFilterLoader> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (filter.Capacity == 0 || filter.IsDisabled) return;
        await Task.Yield(); // never delay the server's start
        var started = Stopwatch.GetTimestamp();
        try
        {
            await blobs.LoadPresenceAsync(filter, stoppingToken);
            await entries.LoadPresenceAsync(filter, stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning("The presence filter could not be loaded ({Error}); every miss queries the database until a restart", e.Message);
            return;
        }
        filter.MarkLoaded();
        if (filter.IsSaturated)
        {
            logger.LogWarning("The database holds more grants and entries than the presence filter's {Capacity}; misses query the database. Raise CacheRegistry:Limits:PresenceFilterItems",
                filter.Capacity);
        }
        else logger.LogDebug("Presence filter loaded in {Elapsed}", Stopwatch.GetElapsedTime(started));
    }
}
