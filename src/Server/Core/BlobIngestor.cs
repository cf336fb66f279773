using System.Buffers;
using CacheRegistry.Common.Compression;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Common.IO;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Server.Storage;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Core;

/// <summary>How the bytes of an upload are encoded on the wire.</summary>
public enum UploadEncoding { Identity, Zstd }

/// <summary>
/// Reads an upload once, streaming: hashes the uncompressed content, enforces the size limit and, when
/// asked, writes the content zstd-compressed to a staged file. Nothing is committed here; the caller
/// verifies the digest and then commits or disposes the result.
/// </summary>
public sealed class BlobIngestor(StagingArea staging, IOptions<CompressionOptions> compression)
{
    private const int BufferSize = 128 * 1024;

    /// <param name="keepContent">False when the blob is stored already: only hash, write nothing.</param>
    /// <param name="scanner">Also shown the uncompressed content, for callers that look inside it.</param>
    public async Task<IngestedBlob> IngestAsync(Stream body, UploadEncoding encoding, long maxSize, bool keepContent, CancellationToken cancellationToken,
        DigestScanner? scanner = null)
    {
        var staged = keepContent ? staging.Create() : null;
        try
        {
            using var hasher = new StreamHasher();
            if (encoding == UploadEncoding.Zstd) await ReadZstdAsync(body, hasher, scanner, staged, maxSize, cancellationToken);
            else await ReadIdentityAsync(body, hasher, scanner, staged, maxSize, cancellationToken);

            var digest = hasher.Finish();
            if (staged is null) return new IngestedBlob(digest, hasher.Length, null, BlobEncoding.Identity);

            await staged.CompleteAsync();
            if (staged.Length < hasher.Length) return new IngestedBlob(digest, hasher.Length, staged, BlobEncoding.Zstd);

            // Compression did not shrink the content: keep it uncompressed instead.
            var identity = await DecompressToNewStagedFileAsync(staged, cancellationToken);
            await staged.DisposeAsync();
            return new IngestedBlob(digest, hasher.Length, identity, BlobEncoding.Identity);
        }
        catch
        {
            if (staged is not null) await staged.DisposeAsync();
            throw;
        }
    }

    private async Task ReadIdentityAsync(Stream body, StreamHasher hasher, DigestScanner? scanner, StagedFile? staged, long maxSize, CancellationToken cancellationToken)
    {
        await using var compressor = staged is null ? null : new ZstdCompressStream(staged.Stream, compression.Value.Level, leaveOpen: true);
        await PumpAsync(body, hasher, scanner, compressor, maxSize, cancellationToken);
        if (compressor is not null) await compressor.FinishAsync(cancellationToken);
    }

    // The client's frame is kept as it came (no recompression); the digest is of what it decompresses to.
    private static async Task ReadZstdAsync(Stream body, StreamHasher hasher, DigestScanner? scanner, StagedFile? staged, long maxSize, CancellationToken cancellationToken)
    {
        // Bounds the wire bytes too: skippable frames decompress to nothing but would still be stored.
        var wire = new BoundedReadStream(body, MaxCompressedSize(maxSize), staged?.Stream);
        await using var decompressed = new ZstdDecompressStream(wire, maxSize, leaveOpen: true);
        try
        {
            await PumpAsync(decompressed, hasher, scanner, sink: null, maxSize, cancellationToken);
        }
        catch (DecompressedSizeLimitException)
        {
            throw CacheRequestException.TooLarge(maxSize);
        }
        catch (ZstdException e)
        {
            throw CacheRequestException.BadRequest($"invalid zstd content: {e.Message}");
        }
    }

    // zstd's worst case expansion is a few bytes per 128 KiB block; this leaves ample room above it.
    private static long MaxCompressedSize(long maxSize) => maxSize >= long.MaxValue / 2 ? long.MaxValue : maxSize + maxSize / 64 + 64 * 1024;

    private static async Task PumpAsync(Stream source, StreamHasher hasher, DigestScanner? scanner, Stream? sink, long maxSize, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                hasher.Append(buffer.AsSpan(0, read));
                scanner?.Append(buffer.AsSpan(0, read));
                if (hasher.Length > maxSize) throw CacheRequestException.TooLarge(maxSize);
                if (sink is not null) await sink.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<StagedFile> DecompressToNewStagedFileAsync(StagedFile compressed, CancellationToken cancellationToken)
    {
        var identity = staging.Create();
        try
        {
            await using (var source = new ZstdDecompressStream(compressed.OpenRead()))
            {
                await source.CopyToAsync(identity.Stream, BufferSize, cancellationToken);
            }
            await identity.CompleteAsync();
            return identity;
        }
        catch
        {
            await identity.DisposeAsync();
            throw;
        }
    }

    /// <summary>Passes reads through, copying them to a sink, and refuses to read past a limit.</summary>
    private sealed class BoundedReadStream(Stream inner, long limit, Stream? copyTo) : ReadOnlyStream
    {
        private long _read;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            _read += read;
            if (_read > limit) throw CacheRequestException.TooLarge(limit);
            if (copyTo is not null && read > 0) await copyTo.WriteAsync(buffer[..read], cancellationToken);
            return read;
        }

        // Request bodies are read asynchronously only (Kestrel forbids synchronous reads).
        public override int Read(Span<byte> buffer) => throw new NotSupportedException();
    }
}

/// <summary>An upload that has been read and hashed; its staged file (if any) is deleted on dispose unless committed.</summary>
public sealed record IngestedBlob(Sha256Digest Digest, long Size, StagedFile? Staged, BlobEncoding Encoding) : IAsyncDisposable
{
    public long StoredSize => Staged?.Length ?? 0;

    public ValueTask DisposeAsync() => Staged?.DisposeAsync() ?? ValueTask.CompletedTask;
}
