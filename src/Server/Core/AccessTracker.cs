using System.Collections.Concurrent;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Core;

/// <summary>
/// Counts hits in memory so that the read path never waits on a database write;
/// <see cref="Background.AccessFlushService"/> writes the counts in batches.
/// </summary>
public sealed class AccessTracker(TimeProvider clock)
{
    private ConcurrentDictionary<string, HitCounter> _blobs = new();
    private ConcurrentDictionary<(string Namespace, EntryKind Kind, string Key), HitCounter> _entries = new();

    public void RecordBlobHit(Sha256Digest digest) => _blobs.GetOrAdd(digest.Hex, _ => new HitCounter()).Hit(clock);

    public void RecordEntryHit(EntryAddress address) =>
        _entries.GetOrAdd((address.Namespace.Value, address.Kind, address.Key), _ => new HitCounter()).Hit(clock);

    /// <summary>Takes the hits recorded so far and starts counting afresh.</summary>
    public AccessSnapshot TakeSnapshot()
    {
        // A hit racing with the swap may land in the old dictionary after it was read and be lost:
        // these are statistics for eviction, and one lost hit does not change an LRU order.
        var blobs = Interlocked.Exchange(ref _blobs, new());
        var entries = Interlocked.Exchange(ref _entries, new());
        return new AccessSnapshot(
            blobs.Select(p => new BlobAccess(p.Key, p.Value.Count, p.Value.LastHit)).ToList(),
            entries.Select(p => new EntryAccess(p.Key.Namespace, p.Key.Kind, p.Key.Key, p.Value.Count, p.Value.LastHit)).ToList());
    }

    private sealed class HitCounter
    {
        private long _count;
        private long _lastHitTicks;

        public long Count => Interlocked.Read(ref _count);

        public DateTimeOffset LastHit => new(Interlocked.Read(ref _lastHitTicks), TimeSpan.Zero);

        public void Hit(TimeProvider clock)
        {
            Interlocked.Increment(ref _count);
            Interlocked.Exchange(ref _lastHitTicks, clock.GetUtcNow().UtcTicks);
        }
    }
}

public sealed record BlobAccess(string Digest, long Hits, DateTimeOffset LastHit);

public sealed record EntryAccess(string Namespace, EntryKind Kind, string Key, long Hits, DateTimeOffset LastHit);

public sealed record AccessSnapshot(IReadOnlyList<BlobAccess> Blobs, IReadOnlyList<EntryAccess> Entries)
{
    public bool IsEmpty => Blobs.Count == 0 && Entries.Count == 0;
}
