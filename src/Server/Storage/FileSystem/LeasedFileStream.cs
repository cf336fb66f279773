namespace CacheRegistry.Server.Storage.FileSystem;

/// <summary>
/// Reads a file through a lease on its handle, by offset (pread), so readers of the same cached handle
/// never share a file position. Ends the lease when disposed.
/// </summary>
internal sealed class LeasedFileStream(FileLease lease) : Stream
{
    private long _position;
    private bool _disposed;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => lease.Length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var read = RandomAccess.Read(lease.Handle, buffer[..Remaining(buffer.Length)], _position);
        _position += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var read = await RandomAccess.ReadAsync(lease.Handle, buffer[..Remaining(buffer.Length)], _position, cancellationToken);
        _position += read;
        return read;
    }

    // Never past the length the lease was taken with: a file grown since is read as it was.
    private int Remaining(int wanted) => (int)Math.Min(wanted, Math.Max(0, Length - _position));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => Length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _disposed = true;
            lease.Dispose();
        }
        base.Dispose(disposing);
    }
}
