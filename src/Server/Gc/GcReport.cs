using CacheRegistry.Server.Core.Namespaces;

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

    /// <summary>Stored bytes the evictions released from their namespaces (a blob shared by namespaces counts in each, as in quotas).</summary>
    public long FreedBytes { get; init; }

    /// <summary>What was evicted, per namespace and reason (quota, age, global).</summary>
    public IReadOnlyList<GcEviction> Evictions { get; init; } = [];
}

/// <summary>Blobs and entries evicted from one namespace for one reason, and the stored bytes released.</summary>
public sealed record GcEviction(string Namespace, string Reason, long Blobs, long Entries, long Bytes);

/// <summary>The counts of a pass in progress, shared by its steps.</summary>
internal sealed class GcCounts
{
    private readonly Dictionary<(string Namespace, string Reason), GcEviction> _evictions = [];

    public long EvictedBlobs;
    public long EvictedEntries;
    public long DeletedObjects;
    public long OrphanObjects;
    public long RepairedBlobs;
    public long RemovedIncompleteEntries;
    public long ExpiredUploads;

    public void BlobEvicted(NamespaceName ns, string reason, long storedBytes)
    {
        EvictedBlobs++;
        var tally = Tally(ns, reason);
        _evictions[(ns.Value, reason)] = tally with { Blobs = tally.Blobs + 1, Bytes = tally.Bytes + storedBytes };
    }

    public void EntriesEvicted(NamespaceName ns, string reason, long count)
    {
        if (count == 0) return;
        EvictedEntries += count;
        var tally = Tally(ns, reason);
        _evictions[(ns.Value, reason)] = tally with { Entries = tally.Entries + count };
    }

    private GcEviction Tally(NamespaceName ns, string reason) => _evictions.GetValueOrDefault((ns.Value, reason)) ?? new GcEviction(ns.Value, reason, 0, 0, 0);

    public GcReport ToReport() => new(EvictedBlobs, EvictedEntries, DeletedObjects, OrphanObjects, RepairedBlobs, RemovedIncompleteEntries, ExpiredUploads, Ran: true)
    {
        FreedBytes = _evictions.Values.Sum(e => e.Bytes),
        Evictions = _evictions.Values.OrderBy(e => e.Namespace, StringComparer.Ordinal).ThenBy(e => e.Reason, StringComparer.Ordinal).ToList(),
    };
}
