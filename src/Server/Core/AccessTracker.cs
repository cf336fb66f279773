using System.Collections.Concurrent;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Server.Core;

/// <summary>
/// Counts hits in memory so that the read path never waits on a database write;
/// <see cref="Background.AccessFlushService"/> writes the counts in batches.
/// </summary>
public sealed class AccessTracker(TimeProvider clock)
{
    private ConcurrentDictionary<string, HitCounter> _blobs = new();
    private ConcurrentDictionary<(string Namespace, string Key), HitCounter> _actions = new();

    public void RecordBlobHit(Sha256Digest digest) => _blobs.GetOrAdd(digest.Hex, _ => new HitCounter()).Hit(clock);

    public void RecordActionHit(NamespaceName ns, Sha256Digest key) =>
        _actions.GetOrAdd((ns.Value, key.Hex), _ => new HitCounter()).Hit(clock);

    /// <summary>Takes the hits recorded so far and starts counting afresh.</summary>
    public AccessSnapshot TakeSnapshot()
    {
        // A hit racing with the swap may land in the old dictionary after it was read and be lost:
        // these are statistics for eviction, and one lost hit does not change an LRU order.
        var blobs = Interlocked.Exchange(ref _blobs, new());
        var actions = Interlocked.Exchange(ref _actions, new());
        return new AccessSnapshot(
            blobs.Select(p => new BlobAccess(p.Key, p.Value.Count, p.Value.LastHit)).ToList(),
            actions.Select(p => new ActionAccess(p.Key.Namespace, p.Key.Key, p.Value.Count, p.Value.LastHit)).ToList());
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

public sealed record ActionAccess(string Namespace, string Key, long Hits, DateTimeOffset LastHit);

public sealed record AccessSnapshot(IReadOnlyList<BlobAccess> Blobs, IReadOnlyList<ActionAccess> Actions)
{
    public bool IsEmpty => Blobs.Count == 0 && Actions.Count == 0;
}
