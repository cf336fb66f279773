using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core;
using CacheRegistry.Server.Metadata;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Background;

/// <summary>Writes the hits counted by <see cref="AccessTracker"/> to the database, one transaction per batch.</summary>
public sealed class AccessFlushService(
    AccessTracker tracker,
    IDbContextFactory<CacheDbContext> contexts,
    IOptions<AccessTrackingOptions> options,
    ILogger<AccessFlushService> logger) : PeriodicService(logger)
{
    protected override TimeSpan Interval => options.Value.FlushInterval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => FlushAsync(tracker.TakeSnapshot(), cancellationToken);

    // Shutting down: keep what was counted since the last run.
    protected override async Task OnStoppingAsync()
    {
        try
        {
            await FlushAsync(tracker.TakeSnapshot(), CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not record the last cache hits; they are dropped");
        }
    }

    public async Task FlushAsync(AccessSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (snapshot.IsEmpty) return;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var hit in snapshot.Blobs)
        {
            await db.Blobs.Where(b => b.Digest == hit.Digest).ExecuteUpdateAsync(set => set
                .SetProperty(b => b.HitCount, b => b.HitCount + hit.Hits)
                .SetProperty(b => b.LastAccessAt, hit.LastHit), cancellationToken);
        }
        foreach (var hit in snapshot.Entries)
        {
            await db.CacheEntries.Where(e => e.Namespace == hit.Namespace && e.Kind == hit.Kind && e.Key == hit.Key).ExecuteUpdateAsync(set => set
                .SetProperty(e => e.HitCount, e => e.HitCount + hit.Hits)
                .SetProperty(e => e.LastAccessAt, hit.LastHit), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        logger.LogDebug("Recorded hits of {Blobs} blobs and {Entries} entries", snapshot.Blobs.Count, snapshot.Entries.Count);
    }
}
