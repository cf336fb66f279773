using System.Reflection;
using System.Runtime.InteropServices;

namespace CacheRegistry.Common.Compression;

/// <summary>The few functions of the system libzstd (libzstd.so.1) that streaming needs.</summary>
internal static unsafe partial class ZstdNative
{
    private const string Library = "zstd";

    static ZstdNative() => NativeLibrary.SetDllImportResolver(typeof(ZstdNative).Assembly, Resolve);

    // Debian ships only the versioned soname (libzstd.so.1) unless the -dev package is installed.
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library) return IntPtr.Zero;
        foreach (var candidate in new[] { "libzstd.so.1", "libzstd.so", "libzstd.1.dylib", "libzstd.dylib", "libzstd.dll", "zstd.dll" })
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out var handle)) return handle;
        }
        throw new DllNotFoundException("libzstd was not found. Install it (Debian: apt-get install libzstd1).");
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct InBuffer
    {
        public byte* Src;
        public nuint Size;
        public nuint Pos;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct OutBuffer
    {
        public byte* Dst;
        public nuint Size;
        public nuint Pos;
    }

    internal enum EndDirective { Continue = 0, Flush = 1, End = 2 }

    internal const int CompressionLevelParameter = 100; // ZSTD_c_compressionLevel
    internal const int WindowLogMaxParameter = 100;     // ZSTD_d_windowLogMax

    [LibraryImport(Library, EntryPoint = "ZSTD_createCCtx")] internal static partial IntPtr CreateCCtx();
    [LibraryImport(Library, EntryPoint = "ZSTD_freeCCtx")] internal static partial nuint FreeCCtx(IntPtr cctx);
    [LibraryImport(Library, EntryPoint = "ZSTD_CCtx_setParameter")] internal static partial nuint CCtxSetParameter(IntPtr cctx, int parameter, int value);
    [LibraryImport(Library, EntryPoint = "ZSTD_compressStream2")] internal static partial nuint CompressStream2(IntPtr cctx, OutBuffer* output, InBuffer* input, EndDirective endOp);
    [LibraryImport(Library, EntryPoint = "ZSTD_createDCtx")] internal static partial IntPtr CreateDCtx();
    [LibraryImport(Library, EntryPoint = "ZSTD_freeDCtx")] internal static partial nuint FreeDCtx(IntPtr dctx);
    [LibraryImport(Library, EntryPoint = "ZSTD_DCtx_setParameter")] internal static partial nuint DCtxSetParameter(IntPtr dctx, int parameter, int value);
    [LibraryImport(Library, EntryPoint = "ZSTD_decompressStream")] internal static partial nuint DecompressStream(IntPtr dctx, OutBuffer* output, InBuffer* input);
    [LibraryImport(Library, EntryPoint = "ZSTD_isError")] internal static partial uint IsError(nuint code);
    [LibraryImport(Library, EntryPoint = "ZSTD_getErrorName")] internal static partial IntPtr GetErrorName(nuint code);
    [LibraryImport(Library, EntryPoint = "ZSTD_versionString")] internal static partial IntPtr VersionString();

    internal static nuint Check(nuint code)
    {
        if (IsError(code) != 0) throw new ZstdException(Marshal.PtrToStringAnsi(GetErrorName(code)) ?? "unknown zstd error");
        return code;
    }
}
