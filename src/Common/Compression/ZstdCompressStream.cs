using System.Buffers;
using ZstdSharp.Unsafe;

namespace CacheRegistry.Common.Compression;

/// <summary>A write-only stream that zstd-compresses what is written into one frame on the inner stream.</summary>
public sealed class ZstdCompressStream : Stream
{
    private const int OutputBufferSize = 128 * 1024;

    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    // Pooled: the server opens one of these per upload, most of them small.
    private byte[]? _output = ArrayPool<byte>.Shared.Rent(OutputBufferSize);
    private IntPtr _context; // a ZSTD_CCtx_s*
    private bool _finished;

    public unsafe ZstdCompressStream(Stream inner, int level = 3, bool leaveOpen = false)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        _context = (IntPtr)Methods.ZSTD_createCCtx();
        if (_context == IntPtr.Zero) throw new OutOfMemoryException("ZSTD_createCCtx failed");
        ZstdCall.Check(Methods.ZSTD_CCtx_setParameter((ZSTD_CCtx_s*)_context, ZSTD_cParameter.ZSTD_c_compressionLevel, level));
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_finished;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var input = buffer;
        while (true)
        {
            var (consumed, produced, _) = Step(input, ZSTD_EndDirective.ZSTD_e_continue);
            _inner.Write(_output!, 0, produced);
            input = input[consumed..];
            if (input.IsEmpty) return;
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var input = buffer;
        while (true)
        {
            var (consumed, produced, _) = Step(input.Span, ZSTD_EndDirective.ZSTD_e_continue);
            if (produced > 0) await _inner.WriteAsync(_output!.AsMemory(0, produced), cancellationToken);
            input = input[consumed..];
            if (input.IsEmpty) return;
        }
    }

    /// <summary>Ends the frame and flushes it to the inner stream. Dispose does this too.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken = default)
    {
        if (_finished) return;
        while (true)
        {
            var (_, produced, remaining) = Step(ReadOnlySpan<byte>.Empty, ZSTD_EndDirective.ZSTD_e_end);
            if (produced > 0) await _inner.WriteAsync(_output!.AsMemory(0, produced), cancellationToken);
            if (remaining == 0) break;
        }
        _finished = true;
        await _inner.FlushAsync(cancellationToken);
    }

    private void Finish()
    {
        if (_finished) return;
        while (true)
        {
            var (_, produced, remaining) = Step(ReadOnlySpan<byte>.Empty, ZSTD_EndDirective.ZSTD_e_end);
            _inner.Write(_output!, 0, produced);
            if (remaining == 0) break;
        }
        _finished = true;
        _inner.Flush();
    }

    private unsafe (int Consumed, int Produced, nuint Remaining) Step(ReadOnlySpan<byte> input, ZSTD_EndDirective directive)
    {
        ObjectDisposedException.ThrowIf(_context == IntPtr.Zero, this);
        if (_finished) throw new InvalidOperationException("The zstd frame is already finished.");
        fixed (byte* src = input)
        fixed (byte* dst = _output)
        {
            var inBuffer = new ZSTD_inBuffer_s { src = src, size = (nuint)input.Length, pos = 0 };
            var outBuffer = new ZSTD_outBuffer_s { dst = dst, size = (nuint)OutputBufferSize, pos = 0 };
            var remaining = ZstdCall.Check(Methods.ZSTD_compressStream2((ZSTD_CCtx_s*)_context, &outBuffer, &inBuffer, directive));
            return ((int)inBuffer.pos, (int)outBuffer.pos, remaining);
        }
    }

    public override void Flush() => _inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        try
        {
            if (disposing && _context != IntPtr.Zero) Finish();
        }
        finally
        {
            Release();
            if (disposing && !_leaveOpen) _inner.Dispose();
            base.Dispose(disposing);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            if (_context != IntPtr.Zero) await FinishAsync();
        }
        finally
        {
            Release();
            if (!_leaveOpen) await _inner.DisposeAsync();
            GC.SuppressFinalize(this);
        }
    }

    private unsafe void Release()
    {
        if (_context == IntPtr.Zero) return;
        Methods.ZSTD_freeCCtx((ZSTD_CCtx_s*)_context);
        _context = IntPtr.Zero;
        ArrayPool<byte>.Shared.Return(_output!);
        _output = null;
    }

    ~ZstdCompressStream() => Release();
}
