using ZstdSharp.Unsafe;

namespace CacheRegistry.Common.Compression;

public static class Zstd
{
    /// <summary>The first four bytes of every zstd frame (0xFD2FB528, little endian).</summary>
    public static ReadOnlySpan<byte> FrameMagic => [0x28, 0xB5, 0x2F, 0xFD];

    public const string ContentEncoding = "zstd";

    /// <summary>The zstd version that ZstdSharp.Port is a port of.</summary>
    public static string LibraryVersion => Methods.ZSTD_versionString();
}
