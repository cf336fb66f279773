using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Gc;

/// <summary>
/// Keeps storage bounded and consistent. A pass, on the one replica holding the lease: writes the
/// access times recorded here (so eviction sees them), applies the eviction policies, sweeps orphan
/// objects, repairs metadata, and measures usage for the gauges.
/// </summary>
public sealed class GarbageCollector(
    GcLease lease,
    AccessFlusher access,
    EvictionPolicies policies,
    OrphanSweep sweep,
    MetadataRepair repair,
    UsageCatalog usage,
    StorageUsage gauges,
    CacheMetrics metrics,
    ILogger<GarbageCollector> logger)
{
    private readonly SemaphoreSlim _running = new(1, 1);

    public async Task<GcReport> RunPassAsync(CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            var counts = new GcCounts();
            if (!await lease.RunAsync(token => RunLeasedPassAsync(counts, token), cancellationToken)) return GcReport.Skipped;
            return counts.ToReport();
        }
        finally
        {
            _running.Release();
        }
    }

    private async Task RunLeasedPassAsync(GcCounts counts, CancellationToken cancellationToken)
    {
        await access.FlushAsync(cancellationToken);
        await policies.RunAsync(counts, cancellationToken);
        var stored = await sweep.RunAsync(counts, cancellationToken);
        await repair.RunAsync(stored, counts, cancellationToken);
        gauges.Update(await usage.PerNamespaceAsync(ns: null, cancellationToken));
        metrics.GcPasses.Add(1);
        logger.LogInformation(
            "GC pass: evicted {Blobs} blobs and {Entries} entries, deleted {Objects} objects, {Orphans} orphans, repaired {Repaired}, removed {Incomplete} incomplete entries, expired {Uploads} uploads",
            counts.EvictedBlobs, counts.EvictedEntries, counts.DeletedObjects, counts.OrphanObjects, counts.RepairedBlobs, counts.RemovedIncompleteEntries, counts.ExpiredUploads);
    }
}
