using CacheRegistry.Common.Compression;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Server.Storage;

namespace CacheRegistry.Server.Core;

/// <summary>Content ready to send: the stream, its length and its encoding on the wire.</summary>
public sealed record BlobContent(Stream Stream, long Length, BlobEncoding Encoding) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}

/// <summary>Opens stored blobs, either as stored (zstd passthrough) or decompressed on the fly.</summary>
public sealed class BlobReader(IBlobStore store, Observability.Metrics metrics, ILogger<BlobReader> logger)
{
    /// <summary>The encoding the reader would send, given whether the client accepts zstd.</summary>
    public static (long Length, BlobEncoding Encoding) Describe(StoredBlob blob, bool clientAcceptsZstd) =>
        blob.Encoding == BlobEncoding.Zstd && clientAcceptsZstd
            ? (blob.StoredSize, BlobEncoding.Zstd)
            : (blob.Size, BlobEncoding.Identity);

    /// <summary>Null when metadata lists the blob but storage has lost it: a miss, not an error, for the client.</summary>
    public async Task<BlobContent?> OpenAsync(StoredBlob blob, bool clientAcceptsZstd, CancellationToken cancellationToken)
    {
        if (blob.Size == 0) return new BlobContent(Stream.Null, 0, BlobEncoding.Identity);

        var stored = await store.OpenReadAsync(StorageKey.ForBlob(blob.Digest, blob.Encoding), cancellationToken);
        if (stored is null)
        {
            logger.LogWarning("Blob {Digest} is in the metadata but missing from storage", blob.Digest);
            return null;
        }

        metrics.StoredBytes.Add(blob.StoredSize, new KeyValuePair<string, object?>("direction", "read"));
        var (length, encoding) = Describe(blob, clientAcceptsZstd);
        if (blob.Encoding == BlobEncoding.Zstd && encoding == BlobEncoding.Identity)
        {
            return new BlobContent(new ZstdDecompressStream(stored, blob.Size), length, encoding);
        }
        return new BlobContent(stored, length, encoding);
    }
}
