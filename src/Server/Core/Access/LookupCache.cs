using System.Collections.Concurrent;
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
/// </summary>
public sealed class LookupCache : IDisposable
{
    // Digests forgotten everywhere are remembered by generation; past this many the whole cache starts afresh.
    private const int MaxDigestGenerations = 100_000;

    private readonly MemoryCache _cache;
    private readonly ConcurrentDictionary<string, long> _namespaceGenerations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _digestGenerations = new(StringComparer.Ordinal);
    private readonly TimeSpan _ttl;
    private long _epoch;

    public LookupCache(IOptions<CacheLimitsOptions> limits)
    {
        _ttl = limits.Value.LookupCacheTtl;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = limits.Value.LookupCacheEntries });
    }

    private bool Enabled => _ttl > TimeSpan.Zero;

    public bool TryGetBlob(NamespaceName ns, Sha256Digest digest, out StoredBlob? blob) => _cache.TryGetValue(BlobKey(ns, digest.Hex), out blob);

    public void AddBlob(NamespaceName ns, StoredBlob blob) => Add(BlobKey(ns, blob.Digest.Hex), blob);

    public bool TryGetEntry(EntryAddress address, out FoundEntry? entry) => _cache.TryGetValue(EntryKey(address), out entry);

    public void AddEntry(EntryAddress address, FoundEntry entry) => Add(EntryKey(address), entry);

    public void InvalidateEntry(EntryAddress address) => _cache.Remove(EntryKey(address));

    public void InvalidateBlob(NamespaceName ns, Sha256Digest digest) => _cache.Remove(BlobKey(ns, digest.Hex));

    /// <summary>Forgets the blob in every namespace.</summary>
    public void InvalidateDigest(Sha256Digest digest)
    {
        if (_digestGenerations.Count >= MaxDigestGenerations)
        {
            _digestGenerations.Clear();
            Interlocked.Increment(ref _epoch);
        }
        _digestGenerations.AddOrUpdate(digest.Hex, 1, (_, generation) => generation + 1);
    }

    /// <summary>Forgets every lookup of the namespace (after bulk deletions).</summary>
    public void InvalidateNamespace(NamespaceName ns) => _namespaceGenerations.AddOrUpdate(ns.Value, 1, (_, generation) => generation + 1);

    private void Add(string key, object value)
    {
        if (Enabled) _cache.Set(key, value, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _ttl });
    }

    private string BlobKey(NamespaceName ns, string digest) =>
        $"b\0{Interlocked.Read(ref _epoch)}\0{ns.Value}\0{Generation(_namespaceGenerations, ns.Value)}\0{digest}\0{Generation(_digestGenerations, digest)}";

    private string EntryKey(EntryAddress address) =>
        $"e\0{Interlocked.Read(ref _epoch)}\0{address.Namespace.Value}\0{Generation(_namespaceGenerations, address.Namespace.Value)}\0{address.Kind}\0{address.Key}";

    private static long Generation(ConcurrentDictionary<string, long> generations, string key) => generations.GetValueOrDefault(key);

    public void Dispose() => _cache.Dispose();
}
