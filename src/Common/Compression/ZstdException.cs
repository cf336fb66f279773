namespace CacheRegistry.Common.Compression;

/// <summary>zstd rejected a frame (corrupt, truncated, or beyond the decoder's limits).</summary>
public class ZstdException(string message) : IOException(message);

/// <summary>Decompression produced more bytes than the caller allowed (a zstd bomb, or just too big).</summary>
public sealed class DecompressedSizeLimitException(long limit)
    : ZstdException($"decompressed content exceeds the limit of {limit} bytes")
{
    public long Limit { get; } = limit;
}
