using ZstdSharp;

namespace CacheRegistry.Common.Compression;

/// <summary>
/// Compresses one buffer into one zstd frame (with its content size), reusing a compression context
/// per thread: creating one costs more than compressing a small blob.
/// </summary>
public static class ZstdBlock
{
    [ThreadStatic]
    private static Compressor? t_compressor;

    /// <summary>
    /// Compresses <paramref name="source"/> into <paramref name="destination"/>; false when the frame
    /// does not fit, which a caller uses to stop at the size below which compression pays.
    /// </summary>
    public static bool TryCompress(ReadOnlySpan<byte> source, Span<byte> destination, int level, out int written)
    {
        var compressor = t_compressor ??= new Compressor(level);
        if (compressor.Level != level) compressor.Level = level;
        return compressor.TryWrap(source, destination, out written);
    }
}
