using System.Buffers;
using CacheRegistry.Common.Compression;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Common.IO;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Storage;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Core.Cas;

/// <summary>
/// Reads an upload once, streaming: hashes the uncompressed content, enforces the size limit and, when
/// asked, keeps it, zstd-compressed unless it is smaller than 4 KiB or its first block shows compression
/// does not pay: a body that fits in one read block in that block's pooled buffer, a larger one in a
/// staged file. Nothing is
/// committed here; the caller verifies the digest and then commits or disposes the result.
/// </summary>
public sealed class BlobIngestor(StagingArea staging, IOptions<CompressionOptions> compression)
{
    private const int BufferSize = 128 * 1024;

    // Content whose first block compresses to more than this fraction is stored as it is.
    private const double IncompressibleRatio = 0.97;

    // Nor is content this small: a file takes at least one 4 KiB block on the filesystems we run on, so
    // compressing it saves no space, and it costs every upload of a build's many small outputs.
    private const int CompressedFrom = 4096;

    /// <param name="keepContent">False when the blob is stored already: only hash, write nothing.</param>
    /// <param name="scanner">Also shown the uncompressed content, for callers that look inside it.</param>
    public async Task<IngestedBlob> IngestAsync(Stream body, UploadEncoding encoding, long maxSize, bool keepContent, CancellationToken cancellationToken,
        DigestScanner? scanner = null)
    {
        using var hasher = new StreamHasher();
        try
        {
            if (encoding == UploadEncoding.Zstd) return await ReadZstdAsync(body, hasher, scanner, keepContent, maxSize, cancellationToken);
            return await ReadIdentityAsync(body, hasher, scanner, keepContent, maxSize, cancellationToken);
        }
        catch (IOException e) when (DiskErrors.IsDiskFull(e))
        {
            throw DiskErrors.Full(e);
        }
    }

    private async Task<IngestedBlob> ReadIdentityAsync(Stream body, StreamHasher hasher, DigestScanner? scanner, bool keepContent, long maxSize, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var bufferKept = false;
        try
        {
            // The first block decides the stored encoding, so the content is staged once, in that encoding.
            var first = await ReadBlockAsync(body, buffer, cancellationToken);
            Observe(buffer.AsSpan(0, first), hasher, scanner, maxSize);
            if (!keepContent)
            {
                await PumpAsync(body, buffer, hasher, scanner, sink: null, maxSize, cancellationToken);
                return new IngestedBlob(hasher.Finish(), hasher.Length, null, BlobEncoding.Identity);
            }
            if (first < BufferSize)
            {
                // The whole body fit in the first block: it is published from memory, without a staging file.
                var (content, encoding) = KeepSmall(buffer, first);
                bufferKept = encoding == BlobEncoding.Identity; // the content owns the buffer now
                return new IngestedBlob(hasher.Finish(), hasher.Length, content, encoding);
            }

            var staged = await staging.CreateAsync();
            try
            {
                var storedEncoding = Compresses(buffer.AsSpan(0, first)) ? BlobEncoding.Zstd : BlobEncoding.Identity;
                if (storedEncoding == BlobEncoding.Identity)
                {
                    await staged.Stream.WriteAsync(buffer.AsMemory(0, first), cancellationToken);
                    await PumpAsync(body, buffer, hasher, scanner, staged.Stream, maxSize, cancellationToken);
                }
                else
                {
                    await using var compressor = new ZstdCompressStream(staged.Stream, compression.Value.Level, leaveOpen: true);
                    await compressor.WriteAsync(buffer.AsMemory(0, first), cancellationToken);
                    await PumpAsync(body, buffer, hasher, scanner, compressor, maxSize, cancellationToken);
                    await compressor.FinishAsync(cancellationToken);
                }
                await staged.CompleteAsync();
                return new IngestedBlob(hasher.Finish(), hasher.Length, staged, storedEncoding);
            }
            catch
            {
                await staged.DisposeAsync();
                throw;
            }
        }
        finally
        {
            if (!bufferKept) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The small body compressed, when that pays, else the buffer itself (which the result then owns).</summary>
    private (StagedBytes Content, BlobEncoding Encoding) KeepSmall(byte[] buffer, int length)
    {
        if (length < CompressedFrom) return (new StagedBytes(buffer, length), BlobEncoding.Identity);
        var limit = (int)(length * IncompressibleRatio);
        var compressed = ArrayPool<byte>.Shared.Rent(Math.Max(limit, 1));
        if (length > 0 && ZstdBlock.TryCompress(buffer.AsSpan(0, length), compressed.AsSpan(0, limit), compression.Value.Level, out var written))
        {
            return (new StagedBytes(compressed, written), BlobEncoding.Zstd);
        }
        ArrayPool<byte>.Shared.Return(compressed);
        return (new StagedBytes(buffer, length), BlobEncoding.Identity);
    }

    // The client's frame is kept as it came (no recompression); the digest is of what it decompresses to.
    private async Task<IngestedBlob> ReadZstdAsync(Stream body, StreamHasher hasher, DigestScanner? scanner, bool keepContent, long maxSize, CancellationToken cancellationToken)
    {
        var staged = keepContent ? await staging.CreateAsync() : null;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            // Bounds the wire bytes too: skippable frames decompress to nothing but would still be stored.
            var wire = new BoundedReadStream(body, MaxCompressedSize(maxSize), staged?.Stream);
            await using (var decompressed = new ZstdDecompressStream(wire, maxSize, leaveOpen: true))
            {
                try
                {
                    await PumpAsync(decompressed, buffer, hasher, scanner, sink: null, maxSize, cancellationToken);
                }
                catch (DecompressedSizeLimitException)
                {
                    throw DomainException.TooLarge(maxSize);
                }
                catch (ZstdException e)
                {
                    throw DomainException.Invalid($"invalid zstd content: {e.Message}");
                }
            }
            if (staged is not null) await staged.CompleteAsync();
            return new IngestedBlob(hasher.Finish(), hasher.Length, staged, staged is null ? BlobEncoding.Identity : BlobEncoding.Zstd);
        }
        catch
        {
            if (staged is not null) await staged.DisposeAsync();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool Compresses(ReadOnlySpan<byte> block)
    {
        if (block.Length == 0) return false;
        var limit = (int)(block.Length * IncompressibleRatio);
        var sample = ArrayPool<byte>.Shared.Rent(limit);
        try
        {
            return ZstdBlock.TryCompress(block, sample.AsSpan(0, limit), compression.Value.Level, out _);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(sample);
        }
    }

    // zstd's worst case expansion is a few bytes per 128 KiB block; this leaves ample room above it.
    private static long MaxCompressedSize(long maxSize) => maxSize >= long.MaxValue / 2 ? long.MaxValue : maxSize + maxSize / 64 + 64 * 1024;

    private static async Task<int> ReadBlockAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        int read;
        while (filled < BufferSize && (read = await source.ReadAsync(buffer.AsMemory(filled, BufferSize - filled), cancellationToken)) > 0) filled += read;
        return filled;
    }

    private static void Observe(ReadOnlySpan<byte> data, StreamHasher hasher, DigestScanner? scanner, long maxSize)
    {
        hasher.Append(data);
        scanner?.Append(data);
        if (hasher.Length > maxSize) throw DomainException.TooLarge(maxSize);
    }

    private static async Task PumpAsync(Stream source, byte[] buffer, StreamHasher hasher, DigestScanner? scanner, Stream? sink, long maxSize, CancellationToken cancellationToken)
    {
        int read;
        while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
        {
            Observe(buffer.AsSpan(0, read), hasher, scanner, maxSize);
            if (sink is not null) await sink.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
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
            if (_read > limit) throw DomainException.TooLarge(limit);
            if (copyTo is not null && read > 0) await copyTo.WriteAsync(buffer[..read], cancellationToken);
            return read;
        }

        // Request bodies are read asynchronously only (Kestrel forbids synchronous reads).
        public override int Read(Span<byte> buffer) => throw new NotSupportedException();
    }
}

/// <summary>An upload that has been read and hashed; its content (if kept) is freed on dispose unless published.</summary>
public sealed record IngestedBlob(Sha256Digest Digest, long Size, StagedContent? Content, BlobEncoding Encoding) : IAsyncDisposable
{
    public long StoredSize => Content?.Length ?? 0;

    public ValueTask DisposeAsync() => Content?.DisposeAsync() ?? ValueTask.CompletedTask;
}
