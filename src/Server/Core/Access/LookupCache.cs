using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Namespaces;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Core.Access;

/// <summary>
/// Recent positive lookups (a blob held by a namespace, an entry's value) kept in memory for a short
/// time, so a cache hit costs no database query. Writes and deletes on this server invalidate what
/// they touch at once; those made by other replicas arrive through the change log within about a
/// second (<see cref="ChangeFeedService"/>). What a stale lookup names can only be missing, never other
/// bytes: objects are never overwritten. Misses are never cached.
/// <para>
/// A lookup takes its <see cref="LookupSlot"/> before it asks the database, and what the database
/// answers is served only while nothing has invalidated the slot since: an answer read just before a
/// commit and added just after the commit's invalidation would otherwise be served until it expires
/// (an entry naming a blob garbage collection has just deleted). Invalidations are counted per stripe
/// of keys, so one also retires the other answers of its stripe, which are then read again.
/// </para>
/// </summary>
public sealed class LookupCache : IDisposable
{
    // Digests forgotten everywhere are remembered by generation; past this many the whole cache starts afresh.
    private const int MaxDigestGenerations = 100_000;
    private const int Stripes = 16_384; // a power of two

    private readonly MemoryCache _cache;
    private readonly ConcurrentDictionary<string, long> _namespaceGenerations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _digestGenerations = new(StringComparer.Ordinal);
    // Bumped by every invalidation of one blob or entry, per stripe of them.
    private readonly long[] _invalidations = new long[Stripes];
    private readonly TimeSpan _ttl;
    private long _epoch;

    public LookupCache(IOptions<CacheLimitsOptions> limits)
    {
        _ttl = limits.Value.LookupCacheTtl;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = limits.Value.LookupCacheEntries });
    }

    private bool Enabled => _ttl > TimeSpan.Zero;

    /// <summary>Where the namespace's lookup of the blob is cached: take it before asking the database.</summary>
    public LookupSlot BlobSlot(NamespaceName ns, Sha256Digest digest) => SlotOf(BlobKey(ns, digest.Hex), BlobStripe(ns, digest.Hex));

    /// <summary>Where the entry's lookup is cached: take it before asking the database.</summary>
    public LookupSlot EntrySlot(EntryAddress address) => SlotOf(EntryKey(address), EntryStripe(address));

    /// <summary>The answer kept for the slot, if there is one and nothing has invalidated it since it was read.</summary>
    public bool TryGet<T>(LookupSlot slot, [NotNullWhen(true)] out T? value) where T : class
    {
        if (_cache.TryGetValue(slot.Key, out Kept? kept) && kept!.Invalidations == Volatile.Read(ref _invalidations[slot.Stripe]))
        {
            value = (T)kept.Value;
            return true;
        }
        value = null;
        return false;
    }

    /// <summary>Keeps what the database answered after the slot was taken (served only while the slot is not invalidated).</summary>
    public void Add(LookupSlot slot, object value)
    {
        if (Enabled) _cache.Set(slot.Key, new Kept(value, slot.Invalidations), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _ttl });
    }

    public void InvalidateEntry(EntryAddress address) => Invalidate(EntryKey(address), EntryStripe(address));

    public void InvalidateBlob(NamespaceName ns, Sha256Digest digest) => Invalidate(BlobKey(ns, digest.Hex), BlobStripe(ns, digest.Hex));

    /// <summary>Forgets the blob in every namespace.</summary>
    public void InvalidateDigest(Sha256Digest digest)
    {
        if (_digestGenerations.Count >= MaxDigestGenerations)
        {
            // The epoch first: no key made between the two may reuse a generation that was in use.
            Interlocked.Increment(ref _epoch);
            _digestGenerations.Clear();
        }
        _digestGenerations.AddOrUpdate(digest.Hex, 1, (_, generation) => generation + 1);
    }

    /// <summary>Forgets every lookup of the namespace (after bulk deletions).</summary>
    public void InvalidateNamespace(NamespaceName ns) => _namespaceGenerations.AddOrUpdate(ns.Value, 1, (_, generation) => generation + 1);

    private void Invalidate(string key, int stripe)
    {
        Interlocked.Increment(ref _invalidations[stripe]);
        _cache.Remove(key);
    }

    private LookupSlot SlotOf(string key, int stripe) => new(key, stripe, Volatile.Read(ref _invalidations[stripe]));

    private static int BlobStripe(NamespaceName ns, string digest) => HashCode.Combine(ns.Value, digest) & (Stripes - 1);

    private static int EntryStripe(EntryAddress address) => HashCode.Combine(address.Namespace.Value, address.Kind, address.Key) & (Stripes - 1);

    private string BlobKey(NamespaceName ns, string digest) =>
        $"b\0{Interlocked.Read(ref _epoch)}\0{ns.Value}\0{Generation(_namespaceGenerations, ns.Value)}\0{digest}\0{Generation(_digestGenerations, digest)}";

    private string EntryKey(EntryAddress address) =>
        $"e\0{Interlocked.Read(ref _epoch)}\0{address.Namespace.Value}\0{Generation(_namespaceGenerations, address.Namespace.Value)}\0{address.Kind}\0{address.Key}";

    private static long Generation(ConcurrentDictionary<string, long> generations, string key) => generations.GetValueOrDefault(key);

    public void Dispose() => _cache.Dispose();

    private sealed record Kept(object Value, long Invalidations);
}

/// <summary>A lookup's place in the <see cref="LookupCache"/>, taken before the database is asked.</summary>
public readonly record struct LookupSlot(string Key, int Stripe, long Invalidations);
