using System.Buffers;
using CacheRegistry.Common.IO;
using ZstdSharp.Unsafe;

namespace CacheRegistry.Common.Compression;

/// <summary>
/// A read-only stream that decompresses zstd frames read from the inner stream. It throws
/// <see cref="ZstdException"/> on corrupt or truncated input and
/// <see cref="DecompressedSizeLimitException"/> once more than the allowed bytes come out.
/// </summary>
public sealed class ZstdDecompressStream : ReadOnlyStream
{
    private const int InputBufferSize = 128 * 1024;
    // A 2^27 window (128 MiB) is zstd's default ceiling; frames asking for more are refused.
    private const int MaxWindowLog = 27;

    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly long _maxOutput;
    // Pooled: the server opens one of these per download of a compressed blob, most of them small.
    private byte[]? _input = ArrayPool<byte>.Shared.Rent(InputBufferSize);
    private int _inputStart;
    private int _inputEnd;
    private bool _innerEnded;
    private bool _frameComplete = true;
    private long _produced;
    private IntPtr _context; // a ZSTD_DCtx_s*

    public unsafe ZstdDecompressStream(Stream inner, long maxDecompressedBytes = long.MaxValue, bool leaveOpen = false)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        _maxOutput = maxDecompressedBytes;
        _context = (IntPtr)Methods.ZSTD_createDCtx();
        if (_context == IntPtr.Zero) throw new OutOfMemoryException("ZSTD_createDCtx failed");
        ZstdCall.Check(Methods.ZSTD_DCtx_setParameter((ZSTD_DCtx_s*)_context, ZSTD_dParameter.ZSTD_d_windowLogMax, MaxWindowLog));
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        while (true)
        {
            if (_inputStart == _inputEnd && !_innerEnded) Refill(_inner.Read(_input!, 0, InputBufferSize));
            var produced = Step(buffer);
            if (produced > 0 || IsAtEnd()) return produced;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return 0;
        while (true)
        {
            if (_inputStart == _inputEnd && !_innerEnded) Refill(await _inner.ReadAsync(_input.AsMemory(0, InputBufferSize), cancellationToken));
            var produced = Step(buffer.Span);
            if (produced > 0 || IsAtEnd()) return produced;
        }
    }

    private void Refill(int read)
    {
        _inputStart = 0;
        _inputEnd = read;
        _innerEnded = read == 0;
    }

    private bool IsAtEnd()
    {
        if (!_innerEnded || _inputStart != _inputEnd) return false;
        if (!_frameComplete) throw new ZstdException("zstd input ended in the middle of a frame");
        return true;
    }

    private unsafe int Step(Span<byte> output)
    {
        ObjectDisposedException.ThrowIf(_context == IntPtr.Zero, this);
        if (_inputStart == _inputEnd && _frameComplete) return 0;
        fixed (byte* src = _input)
        fixed (byte* dst = output)
        {
            var inBuffer = new ZSTD_inBuffer_s { src = src + _inputStart, size = (nuint)(_inputEnd - _inputStart), pos = 0 };
            var outBuffer = new ZSTD_outBuffer_s { dst = dst, size = (nuint)output.Length, pos = 0 };
            var hint = ZstdCall.Check(Methods.ZSTD_decompressStream((ZSTD_DCtx_s*)_context, &outBuffer, &inBuffer));
            _inputStart += (int)inBuffer.pos;
            _frameComplete = hint == 0;
            _produced += (long)outBuffer.pos;
            if (_produced > _maxOutput) throw new DecompressedSizeLimitException(_maxOutput);
            return (int)outBuffer.pos;
        }
    }

    protected override void Dispose(bool disposing)
    {
        Release();
        if (disposing && !_leaveOpen) _inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        Release();
        if (!_leaveOpen) await _inner.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private unsafe void Release()
    {
        if (_context == IntPtr.Zero) return;
        Methods.ZSTD_freeDCtx((ZSTD_DCtx_s*)_context);
        _context = IntPtr.Zero;
        ArrayPool<byte>.Shared.Return(_input!);
        _input = null;
    }

    ~ZstdDecompressStream() => Release();
}
