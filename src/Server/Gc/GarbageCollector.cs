using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Gc;

/// <summary>
/// Keeps storage bounded and consistent. A pass, on the one replica holding the lease: writes the
/// access times recorded here (so eviction sees them), applies the eviction policies, sweeps orphan
/// objects, repairs metadata, measures usage for the gauges, and records the pass (for the dashboard).
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
    GcPassCatalog passes,
    TimeProvider clock,
    ILogger<GarbageCollector> logger)
{
    private readonly SemaphoreSlim _running = new(1, 1);

    public async Task<GcReport> RunPassAsync(CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            var counts = new GcCounts();
            var started = clock.GetUtcNow();
            if (!await lease.RunAsync(token => RunLeasedPassAsync(counts, token), cancellationToken)) return GcReport.Skipped;
            var report = counts.ToReport();
            await RecordAsync(new GcPassRecord(started, clock.GetUtcNow(), Environment.MachineName, report), cancellationToken);
            return report;
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

    // The history is for people; a pass that did its work is not failed because it could not be written down.
    private async Task RecordAsync(GcPassRecord pass, CancellationToken cancellationToken)
    {
        try
        {
            await passes.AddAsync(pass, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Could not record the garbage collection pass ({Error})", e.Message);
        }
    }
}
