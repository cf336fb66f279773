using System.Reflection;
using System.Runtime.InteropServices;

namespace CacheRegistry.Bench.Zstd;

// A private copy of the libzstd P/Invoke streams CacheRegistry.Common used before it moved to
// ZstdSharp.Port, kept only so this benchmark can compare the two. Nothing else may use it.

internal static unsafe partial class NativeZstd
{
    private const string Library = "zstd";

    static NativeZstd() => NativeLibrary.SetDllImportResolver(typeof(NativeZstd).Assembly, Resolve);

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

    internal static string Version => Marshal.PtrToStringAnsi(VersionString()) ?? "unknown";

    internal static nuint Check(nuint code)
    {
        if (IsError(code) != 0) throw new IOException(Marshal.PtrToStringAnsi(GetErrorName(code)) ?? "unknown zstd error");
        return code;
    }
}

/// <summary>The former ZstdCompressStream over libzstd (asynchronous writes, as the server uses it).</summary>
internal sealed class NativeCompressStream : Stream
{
    private readonly Stream _inner;
    private readonly byte[] _output = new byte[128 * 1024];
    private IntPtr _context;
    private bool _finished;

    public NativeCompressStream(Stream inner, int level)
    {
        _inner = inner;
        _context = NativeZstd.CreateCCtx();
        NativeZstd.Check(NativeZstd.CCtxSetParameter(_context, NativeZstd.CompressionLevelParameter, level));
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var input = buffer;
        while (true)
        {
            var (consumed, produced, _) = Step(input.Span, NativeZstd.EndDirective.Continue);
            if (produced > 0) await _inner.WriteAsync(_output.AsMemory(0, produced), cancellationToken);
            input = input[consumed..];
            if (input.IsEmpty) return;
        }
    }

    public async Task FinishAsync(CancellationToken cancellationToken = default)
    {
        if (_finished) return;
        while (true)
        {
            var (_, produced, remaining) = Step(ReadOnlySpan<byte>.Empty, NativeZstd.EndDirective.End);
            if (produced > 0) await _inner.WriteAsync(_output.AsMemory(0, produced), cancellationToken);
            if (remaining == 0) break;
        }
        _finished = true;
        await _inner.FlushAsync(cancellationToken);
    }

    private unsafe (int Consumed, int Produced, nuint Remaining) Step(ReadOnlySpan<byte> input, NativeZstd.EndDirective directive)
    {
        fixed (byte* src = input)
        fixed (byte* dst = _output)
        {
            var inBuffer = new NativeZstd.InBuffer { Src = src, Size = (nuint)input.Length, Pos = 0 };
            var outBuffer = new NativeZstd.OutBuffer { Dst = dst, Size = (nuint)_output.Length, Pos = 0 };
            var remaining = NativeZstd.Check(NativeZstd.CompressStream2(_context, &outBuffer, &inBuffer, directive));
            return ((int)inBuffer.Pos, (int)outBuffer.Pos, remaining);
        }
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_finished;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => _inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (_context != IntPtr.Zero)
        {
            await FinishAsync();
            NativeZstd.FreeCCtx(_context);
            _context = IntPtr.Zero;
        }
        GC.SuppressFinalize(this);
    }
}

/// <summary>The former ZstdDecompressStream over libzstd (asynchronous reads, as the server uses it).</summary>
internal sealed class NativeDecompressStream : Stream
{
    private readonly Stream _inner;
    private readonly byte[] _input = new byte[128 * 1024];
    private int _inputStart;
    private int _inputEnd;
    private bool _innerEnded;
    private bool _frameComplete = true;
    private IntPtr _context;

    public NativeDecompressStream(Stream inner)
    {
        _inner = inner;
        _context = NativeZstd.CreateDCtx();
        NativeZstd.Check(NativeZstd.DCtxSetParameter(_context, NativeZstd.WindowLogMaxParameter, 27));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return 0;
        while (true)
        {
            if (_inputStart == _inputEnd && !_innerEnded)
            {
                var read = await _inner.ReadAsync(_input, cancellationToken);
                _inputStart = 0;
                _inputEnd = read;
                _innerEnded = read == 0;
            }
            var produced = Step(buffer.Span);
            if (produced > 0) return produced;
            if (_innerEnded && _inputStart == _inputEnd)
            {
                if (!_frameComplete) throw new IOException("zstd input ended in the middle of a frame");
                return 0;
            }
        }
    }

    private unsafe int Step(Span<byte> output)
    {
        if (_inputStart == _inputEnd && _frameComplete) return 0;
        fixed (byte* src = _input)
        fixed (byte* dst = output)
        {
            var inBuffer = new NativeZstd.InBuffer { Src = src + _inputStart, Size = (nuint)(_inputEnd - _inputStart), Pos = 0 };
            var outBuffer = new NativeZstd.OutBuffer { Dst = dst, Size = (nuint)output.Length, Pos = 0 };
            var hint = NativeZstd.Check(NativeZstd.DecompressStream(_context, &outBuffer, &inBuffer));
            _inputStart += (int)inBuffer.Pos;
            _frameComplete = hint == 0;
            return (int)outBuffer.Pos;
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override ValueTask DisposeAsync()
    {
        if (_context != IntPtr.Zero)
        {
            NativeZstd.FreeDCtx(_context);
            _context = IntPtr.Zero;
        }
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
