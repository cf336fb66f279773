using System.Collections.Concurrent;
using CacheRegistry.Server.Configuration;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Core;

/// <summary>
/// Recent positive lookups (a blob visible in a namespace, an entry's value) kept in memory for a short
/// time, so a cache hit costs no database query. Writes and deletes on this server invalidate what
/// they touch at once (bulk deletions move the namespace to a new generation); evictions made by other
/// replicas are seen here within the time-to-live. Misses are never cached.
/// </summary>
public sealed class LookupCache : IDisposable
{
    private readonly MemoryCache _cache;
    private readonly ConcurrentDictionary<string, long> _generations = new(StringComparer.Ordinal);
    private readonly TimeSpan _ttl;

    public LookupCache(IOptions<CacheLimitsOptions> limits)
    {
        _ttl = limits.Value.LookupCacheTtl;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = limits.Value.LookupCacheEntries });
    }

    private bool Enabled => _ttl > TimeSpan.Zero;

    public bool TryGetBlob(NamespaceName ns, Common.Hashing.Sha256Digest digest, out StoredBlob? blob) =>
        _cache.TryGetValue(BlobKey(ns, digest), out blob);

    public void AddBlob(NamespaceName ns, StoredBlob blob) => Add(BlobKey(ns, blob.Digest), blob);

    public bool TryGetEntry(EntryAddress address, out FoundEntry? entry) => _cache.TryGetValue(EntryKey(address), out entry);

    public void AddEntry(EntryAddress address, FoundEntry entry) => Add(EntryKey(address), entry);

    public void InvalidateEntry(EntryAddress address) => _cache.Remove(EntryKey(address));

    /// <summary>Forgets every lookup of the namespace (after evictions or bulk deletions).</summary>
    public void InvalidateNamespace(NamespaceName ns) => _generations.AddOrUpdate(ns.Value, 1, (_, generation) => generation + 1);

    private void Add(string key, object value)
    {
        if (Enabled) _cache.Set(key, value, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _ttl });
    }

    private string BlobKey(NamespaceName ns, Common.Hashing.Sha256Digest digest) => $"b\\0{ns.Value}\\0{Generation(ns)}\\0{digest.Hex}";

    private string EntryKey(EntryAddress address) => $"e\\0{address.Namespace.Value}\\0{Generation(address.Namespace)}\\0{address.Kind}\\0{address.Key}";

    private long Generation(NamespaceName ns) => _generations.GetValueOrDefault(ns.Value);

    public void Dispose() => _cache.Dispose();
}
