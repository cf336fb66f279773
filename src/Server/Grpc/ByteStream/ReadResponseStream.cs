using Google.Bytestream;
using Google.Protobuf;
using Grpc.Core;

namespace CacheRegistry.Server.Grpc.ByteStream;

/// <summary>
/// A write-only stream that sends what is written to it as ByteStream ReadResponses of
/// <paramref name="chunkBytes"/> (the last one shorter, on flush). One buffer for the whole read: gRPC
/// has serialized a message by the time its write completes.
/// </summary>
public sealed class ReadResponseStream(IServerStreamWriter<ReadResponse> responses, int chunkBytes, CancellationToken cancellationToken) : Stream
{
    private readonly byte[] _buffer = new byte[chunkBytes];
    private int _filled;

    /// <summary>Sends up to <paramref name="limit"/> bytes of <paramref name="source"/>.</summary>
    public async Task CopyFromAsync(Stream source, long limit)
    {
        while (limit > 0)
        {
            await FlushIfFullAsync();
            var room = (int)Math.Min(_buffer.Length - _filled, limit);
            var read = await source.ReadAsync(_buffer.AsMemory(_filled, room), cancellationToken);
            if (read == 0) break;
            _filled += read;
            limit -= read;
        }
        await FlushAsync(cancellationToken);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken token = default)
    {
        while (!data.IsEmpty)
        {
            await FlushIfFullAsync();
            var count = Math.Min(data.Length, _buffer.Length - _filled);
            data[..count].CopyTo(_buffer.AsMemory(_filled));
            _filled += count;
            data = data[count..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken token) => WriteAsync(buffer.AsMemory(offset, count), token).AsTask();

    public override async Task FlushAsync(CancellationToken token)
    {
        if (_filled == 0) return;
        await responses.WriteAsync(new ReadResponse { Data = UnsafeByteOperations.UnsafeWrap(_buffer.AsMemory(0, _filled)) }, cancellationToken);
        _filled = 0;
    }

    private Task FlushIfFullAsync() => _filled == _buffer.Length ? FlushAsync(cancellationToken) : Task.CompletedTask;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => throw new NotSupportedException(); // written asynchronously only
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
