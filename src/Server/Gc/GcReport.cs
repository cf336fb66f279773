namespace CacheRegistry.Server.Gc;

/// <summary>What a garbage collection pass did (Ran is false when another replica held the lease).</summary>
public sealed record GcReport(
    long EvictedBlobs,
    long EvictedEntries,
    long DeletedObjects,
    long OrphanObjects,
    long RepairedBlobs,
    long RemovedIncompleteEntries,
    long ExpiredUploads,
    bool Ran)
{
    public static readonly GcReport Skipped = new(0, 0, 0, 0, 0, 0, 0, Ran: false);
}

/// <summary>The counts of a pass in progress, shared by its steps.</summary>
internal sealed class GcCounts
{
    public long EvictedBlobs;
    public long EvictedEntries;
    public long DeletedObjects;
    public long OrphanObjects;
    public long RepairedBlobs;
    public long RemovedIncompleteEntries;
    public long ExpiredUploads;

    public GcReport ToReport() => new(EvictedBlobs, EvictedEntries, DeletedObjects, OrphanObjects, RepairedBlobs, RemovedIncompleteEntries, ExpiredUploads, Ran: true);
}
