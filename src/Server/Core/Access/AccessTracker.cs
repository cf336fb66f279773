using System.Collections.Concurrent;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Entries;

namespace CacheRegistry.Server.Core.Access;

/// <summary>
/// Counts hits, and notes blobs a client was told are present, in memory, so that the read path never
/// waits on a database write; <see cref="AccessFlusher"/> writes them in batches. A blob's last access
/// protects it from eviction for a grace period.
/// </summary>
public sealed class AccessTracker(TimeProvider clock)
{
    // Hits per blob and entry since the last snapshot, and entries' last use: statistics and LRU order.
    private ConcurrentDictionary<string, AccessCounter> _blobs = new(StringComparer.Ordinal);
    private ConcurrentDictionary<EntryAddress, AccessCounter> _entries = new();

    // Each blob's last use (UTC ticks) until a flush has written it: what protects a blob a client was just
    // told about from eviction. Never swapped out, and an entry goes only if no use came after the one written.
    private readonly ConcurrentDictionary<string, long> _lastUse = new(StringComparer.Ordinal);
    private Dictionary<string, long> _taken = new(StringComparer.Ordinal);

    // Blobs an eviction is taking out right now (see BeginEviction).
    private readonly ConcurrentDictionary<string, int> _evicting = new(StringComparer.Ordinal);
    private int _evictingCount;

    public void RecordBlobHit(Sha256Digest digest) => RecordBlobUse(digest.Hex, hits: 1);

    /// <summary>A "do you have it" answer said yes: the blob counts as used now, though nothing was read.</summary>
    public void RecordBlobPresence(Sha256Digest digest) => RecordBlobUse(digest.Hex, hits: 0);

    private void RecordBlobUse(string digest, long hits)
    {
        var now = clock.GetUtcNow();
        _lastUse.AddOrUpdate(digest, static (_, ticks) => ticks, static (_, seen, ticks) => Math.Max(seen, ticks), now.UtcTicks);
        _blobs.GetOrAdd(digest, _ => new AccessCounter()).Merge(hits, now);
    }

    public void RecordEntryHit(EntryAddress address) => _entries.GetOrAdd(address, _ => new AccessCounter()).Touch(clock, hits: 1);

    public void RecordEntryPresence(EntryAddress address) => _entries.GetOrAdd(address, _ => new AccessCounter()).Touch(clock, hits: 0);

    /// <summary>Whether the blob was used at or after <paramref name="since"/> and that is not written yet.</summary>
    public bool UsedSince(Sha256Digest digest, DateTimeOffset since) => _lastUse.TryGetValue(digest.Hex, out var ticks) && ticks >= since.UtcTicks;

    /// <summary>
    /// Marks the blob as being evicted, then tells whether it was used since <paramref name="since"/>:
    /// together with <see cref="ProtectForReading"/> (use first, then the mark) one of the two always sees
    /// the other, so a hit never names a blob an eviction running here takes away (a reader that sees no
    /// mark also checks that no eviction ended since it read the entry). Dispose the result when the
    /// eviction is over.
    /// </summary>
    public (IDisposable Eviction, bool UsedMeanwhile) BeginEviction(Sha256Digest digest, DateTimeOffset? since)
    {
        _evicting.AddOrUpdate(digest.Hex, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _evictingCount);
        return (new EvictionMark(this, digest.Hex), since is { } s && UsedSince(digest, s));
    }

    /// <summary>
    /// Records an entry's value and the blobs it names as used now (a client is about to read them); false
    /// when an eviction is taking any of them.
    /// </summary>
    public bool ProtectForReading(Sha256Digest value, IReadOnlyList<Sha256Digest> outputs)
    {
        if (!value.IsEmpty) RecordBlobPresence(value);
        foreach (var digest in outputs) RecordBlobPresence(digest);
        if (Volatile.Read(ref _evictingCount) == 0) return true;
        return !_evicting.ContainsKey(value.Hex) && !outputs.Any(d => _evicting.ContainsKey(d.Hex));
    }

    private void EndEviction(string digest)
    {
        while (true)
        {
            var count = _evicting.GetValueOrDefault(digest);
            if (count <= 1 ? _evicting.TryRemove(new KeyValuePair<string, int>(digest, count)) : _evicting.TryUpdate(digest, count - 1, count)) break;
        }
        Interlocked.Decrement(ref _evictingCount);
    }

    private sealed class EvictionMark(AccessTracker tracker, string digest) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0) tracker.EndEviction(digest);
        }
    }

    /// <summary>Takes what was recorded so far and starts counting afresh.</summary>
    public AccessSnapshot TakeSnapshot()
    {
        // A hit racing with the swap may land in the old dictionary after it was read and be lost:
        // these are statistics, and one lost hit does not change an LRU order. Last uses are not lost.
        var blobs = Interlocked.Exchange(ref _blobs, new(StringComparer.Ordinal));
        var entries = Interlocked.Exchange(ref _entries, new());
        _taken = new Dictionary<string, long>(_lastUse, StringComparer.Ordinal);
        return new AccessSnapshot(
            [
                .. _taken.Select(u => (u.Key, blobs.TryGetValue(u.Key, out var counter) ? counter.Count : 0, new DateTimeOffset(u.Value, TimeSpan.Zero))),
                // Hits whose last use was written already (by a flush that read the same instant)
                .. blobs.Where(b => !_taken.ContainsKey(b.Key)).Select(b => (b.Key, b.Value.Count, b.Value.Last)),
            ],
            entries.Select(p => (p.Key, p.Value.Count, p.Value.Last)).ToList());
    }

    /// <summary>The last snapshot is in the database: the last uses it held are let go of, unless a later one came meanwhile.</summary>
    public void Written()
    {
        foreach (var use in _taken) _lastUse.TryRemove(use);
        _taken.Clear();
    }

    /// <summary>Puts back a snapshot that could not be written (the database was down), to be written with the next.</summary>
    public void Restore(AccessSnapshot snapshot)
    {
        // The last uses were never let go of; only the hits are put back.
        foreach (var (digest, hits, _) in snapshot.Blobs) _blobs.GetOrAdd(digest, _ => new AccessCounter()).Merge(hits, DateTimeOffset.MinValue);
        foreach (var (address, hits, last) in snapshot.Entries) _entries.GetOrAdd(address, _ => new AccessCounter()).Merge(hits, last);
        _taken.Clear();
    }

    private sealed class AccessCounter
    {
        private long _count;
        private long _lastTicks;

        public long Count => Interlocked.Read(ref _count);

        public DateTimeOffset Last => new(Interlocked.Read(ref _lastTicks), TimeSpan.Zero);

        public void Touch(TimeProvider clock, long hits) => Merge(hits, clock.GetUtcNow());

        public void Merge(long hits, DateTimeOffset at)
        {
            Interlocked.Add(ref _count, hits);
            var ticks = at.UtcTicks;
            long seen;
            while ((seen = Interlocked.Read(ref _lastTicks)) < ticks && Interlocked.CompareExchange(ref _lastTicks, ticks, seen) != seen)
            {
            }
        }
    }
}

public sealed record AccessSnapshot(
    IReadOnlyList<(string Digest, long Hits, DateTimeOffset LastAccess)> Blobs,
    IReadOnlyList<(EntryAddress Address, long Hits, DateTimeOffset LastAccess)> Entries)
{
    public bool IsEmpty => Blobs.Count == 0 && Entries.Count == 0;
}
