using CacheRegistry.Common.IO;

namespace CacheRegistry.Server.Grpc.ByteStream;

/// <summary>One stream, then another: a resumed write's kept bytes, then the rest as it arrives.</summary>
public sealed class ConcatenatedStream(Stream first, Stream second) : ReadOnlyStream
{
    private bool _onSecond;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_onSecond)
        {
            var read = await first.ReadAsync(buffer, cancellationToken);
            if (read > 0) return read;
            _onSecond = true;
        }
        return await second.ReadAsync(buffer, cancellationToken);
    }

    public override int Read(Span<byte> buffer) => throw new NotSupportedException(); // read asynchronously only

    protected override void Dispose(bool disposing)
    {
        if (disposing) first.Dispose();
        base.Dispose(disposing);
    }
}
