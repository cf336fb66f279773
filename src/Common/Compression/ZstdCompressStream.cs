namespace CacheRegistry.Common.Compression;

/// <summary>A write-only stream that zstd-compresses what is written into one frame on the inner stream.</summary>
public sealed class ZstdCompressStream : Stream
{
    private const int OutputBufferSize = 128 * 1024;

    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _output = new byte[OutputBufferSize];
    private IntPtr _context;
    private bool _finished;

    public ZstdCompressStream(Stream inner, int level = 3, bool leaveOpen = false)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        _context = ZstdNative.CreateCCtx();
        if (_context == IntPtr.Zero) throw new OutOfMemoryException("ZSTD_createCCtx failed");
        ZstdNative.Check(ZstdNative.CCtxSetParameter(_context, ZstdNative.CompressionLevelParameter, level));
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
            var (consumed, produced, _) = Step(input, ZstdNative.EndDirective.Continue);
            _inner.Write(_output, 0, produced);
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
            var (consumed, produced, _) = Step(input.Span, ZstdNative.EndDirective.Continue);
            if (produced > 0) await _inner.WriteAsync(_output.AsMemory(0, produced), cancellationToken);
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
            var (_, produced, remaining) = Step(ReadOnlySpan<byte>.Empty, ZstdNative.EndDirective.End);
            if (produced > 0) await _inner.WriteAsync(_output.AsMemory(0, produced), cancellationToken);
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
            var (_, produced, remaining) = Step(ReadOnlySpan<byte>.Empty, ZstdNative.EndDirective.End);
            _inner.Write(_output, 0, produced);
            if (remaining == 0) break;
        }
        _finished = true;
        _inner.Flush();
    }

    private unsafe (int Consumed, int Produced, nuint Remaining) Step(ReadOnlySpan<byte> input, ZstdNative.EndDirective directive)
    {
        ObjectDisposedException.ThrowIf(_context == IntPtr.Zero, this);
        if (_finished) throw new InvalidOperationException("The zstd frame is already finished.");
        fixed (byte* src = input)
        fixed (byte* dst = _output)
        {
            var inBuffer = new ZstdNative.InBuffer { Src = src, Size = (nuint)input.Length, Pos = 0 };
            var outBuffer = new ZstdNative.OutBuffer { Dst = dst, Size = (nuint)_output.Length, Pos = 0 };
            var remaining = ZstdNative.Check(ZstdNative.CompressStream2(_context, &outBuffer, &inBuffer, directive));
            return ((int)inBuffer.Pos, (int)outBuffer.Pos, remaining);
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

    private void Release()
    {
        if (_context == IntPtr.Zero) return;
        ZstdNative.FreeCCtx(_context);
        _context = IntPtr.Zero;
    }

    ~ZstdCompressStream() => Release();
}
