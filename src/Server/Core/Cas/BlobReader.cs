using CacheRegistry.Common.Compression;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Storage;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Core.Cas;

/// <summary>Content ready to send: the stream, its length, its encoding on the wire, and whether it is read from a local file (<see cref="OpenedObject.IsLocal"/>).</summary>
public sealed record BlobContent(Stream Stream, long Length, BlobEncoding Encoding, bool IsLocal = false) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}

/// <summary>
/// Opens stored blobs, either as stored (zstd passthrough) or decompressed on the fly. An object that
/// is missing, or not the size the metadata says, is a miss for the client, and the blob is forgotten
/// at once so the next upload stores it again.
/// </summary>
public sealed class BlobReader(IBlobStore store, BlobCatalog catalog, InlineContents inline, LookupCache lookups, CacheMetrics metrics, TimeProvider clock,
    ILogger<BlobReader> logger)
{
    /// <summary>The encoding the reader sends, given whether the client accepts zstd.</summary>
    public static (long Length, BlobEncoding Encoding) Describe(StoredBlob blob, bool clientAcceptsZstd) =>
        blob.Encoding == BlobEncoding.Zstd && clientAcceptsZstd
            ? (blob.StoredSize, BlobEncoding.Zstd)
            : (blob.Size, BlobEncoding.Identity);

    /// <summary>The content, or null when storage has lost the object (a miss for the client).</summary>
    public async Task<BlobContent?> OpenAsync(StoredBlob blob, bool clientAcceptsZstd, CancellationToken cancellationToken)
    {
        if (blob.IsInline) return await OpenInlineAsync(blob, clientAcceptsZstd, cancellationToken);
        if (blob.Size == 0 || blob.Key is not { } key) return new BlobContent(Stream.Null, 0, BlobEncoding.Identity, IsLocal: true);

        var opened = await store.OpenReadAsync(key, cancellationToken);
        if (opened is null || opened.Length != blob.StoredSize)
        {
            if (opened is not null) await opened.DisposeAsync();
            await ForgetAsync(blob, key, opened is null ? "missing from storage" : $"{opened.Length} bytes in storage, not {blob.StoredSize}", cancellationToken);
            return null;
        }

        return await SendAsync(blob, opened.Content, opened.IsLocal, clientAcceptsZstd);
    }

    // The bytes are in memory (or a row away): a row deleted since the lookup is a miss, like a lost object, with nothing to forget.
    private async Task<BlobContent?> OpenInlineAsync(StoredBlob blob, bool clientAcceptsZstd, CancellationToken cancellationToken) =>
        await ReadInlineAsync(blob, cancellationToken) is { } content
            ? await SendAsync(blob, new MemoryStream(content, writable: false), isLocal: true, clientAcceptsZstd)
            : null;

    private async Task<byte[]?> ReadInlineAsync(StoredBlob blob, CancellationToken cancellationToken)
    {
        var content = await inline.ReadAsync(blob, cancellationToken);
        if (content is null) lookups.InvalidateDigest(blob.Digest); // deleted (or stored again otherwise) since it was looked up
        return content;
    }

    private async Task<BlobContent> SendAsync(StoredBlob blob, Stream stored, bool isLocal, bool clientAcceptsZstd)
    {
        metrics.StoredBytes.Add(blob.StoredSize, "read");
        var (length, encoding) = Describe(blob, clientAcceptsZstd);
        if (blob.Encoding == BlobEncoding.Zstd && encoding == BlobEncoding.Identity)
        {
            try
            {
                return new BlobContent(new ZstdDecompressStream(stored, blob.Size), length, encoding, isLocal);
            }
            catch
            {
                await stored.DisposeAsync();
                throw;
            }
        }
        return new BlobContent(stored, length, encoding, isLocal);
    }

    /// <summary>Whether a read would find the object (what HEAD answers, without reading it).</summary>
    public async Task<bool> ExistsAsync(StoredBlob blob, CancellationToken cancellationToken)
    {
        if (blob.IsInline) return await ReadInlineAsync(blob, cancellationToken) is not null;
        if (blob.Size == 0 || blob.Key is not { } key) return true;
        var length = await store.GetLengthAsync(key, cancellationToken);
        if (length == blob.StoredSize) return true;
        await ForgetAsync(blob, key, length is null ? "missing from storage" : $"{length} bytes in storage, not {blob.StoredSize}", cancellationToken);
        return false;
    }

    private async Task ForgetAsync(StoredBlob blob, StorageKey key, string problem, CancellationToken cancellationToken)
    {
        lookups.InvalidateDigest(blob.Digest);
        if (await catalog.ForgetAsync(blob.Digest, key, clock.GetUtcNow(), cancellationToken))
        {
            logger.LogWarning("Blob {Digest} is {Problem}; it is forgotten, so the next upload stores it again", blob.Digest, problem);
        }
    }
}
