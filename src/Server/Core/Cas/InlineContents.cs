using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Core.Cas;

/// <summary>
/// The bytes of inline blobs (<see cref="StoredBlob.IsInline"/>), read from their metadata rows through
/// a cache bounded in bytes. Any bytes of a digest in a given encoding and length are a right answer
/// (stored again, it may be another zstd frame of the same content), so they are cached under all
/// three and never go stale; a blob deleted since may still be read from here, as its lookup allowed
/// a moment before.
/// </summary>
public sealed class InlineContents : IDisposable
{
    // What a cached item costs beyond its bytes (the cache's entry, the array's header), roughly.
    private const int Overhead = 128;

    private readonly BlobCatalog _catalog;
    private readonly MemoryCache? _cache;

    public InlineContents(BlobCatalog catalog, IOptions<StorageOptions> options)
    {
        _catalog = catalog;
        // Full, the cache sorts all its items to drop the least recently used: a quarter at a time, not 5 %, so that is rare.
        if (options.Value.InlineCacheBytes > 0) _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.InlineCacheBytes, CompactionPercentage = 0.25 });
    }

    /// <summary>The blob's stored bytes, or null when its row has gone or now holds other ones (stored again since).</summary>
    public async ValueTask<byte[]?> ReadAsync(StoredBlob blob, CancellationToken cancellationToken)
    {
        var key = new Key(blob.Digest, blob.Encoding, blob.StoredSize);
        if (_cache is not null && _cache.TryGetValue(key, out byte[]? cached)) return cached;
        var content = await _catalog.ReadInlineContentAsync(blob, cancellationToken);
        if (content is not null) _cache?.Set(key, content, new MemoryCacheEntryOptions { Size = content.Length + Overhead });
        return content;
    }

    public void Dispose() => _cache?.Dispose();

    private readonly record struct Key(Sha256Digest Digest, BlobEncoding Encoding, long StoredSize);
}
