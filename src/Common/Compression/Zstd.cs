using System.Runtime.InteropServices;

namespace CacheRegistry.Common.Compression;

public static class Zstd
{
    /// <summary>The first four bytes of every zstd frame (0xFD2FB528, little endian).</summary>
    public static ReadOnlySpan<byte> FrameMagic => [0x28, 0xB5, 0x2F, 0xFD];

    public const string ContentEncoding = "zstd";

    public static string LibraryVersion => Marshal.PtrToStringAnsi(ZstdNative.VersionString()) ?? "unknown";
}
