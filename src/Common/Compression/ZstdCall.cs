using ZstdSharp.Unsafe;

namespace CacheRegistry.Common.Compression;

/// <summary>Turns the error codes of zstd's C API (ported to C# by ZstdSharp.Port) into exceptions.</summary>
internal static class ZstdCall
{
    public static nuint Check(nuint code) =>
        Methods.ZSTD_isError(code) ? throw new ZstdException(Methods.ZSTD_getErrorName(code)) : code;
}
