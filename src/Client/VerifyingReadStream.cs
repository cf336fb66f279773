using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Client;

/// <summary>Hashes what is read through it and throws <see cref="BlobIntegrityException"/> at the end on a mismatch.</summary>
internal sealed class VerifyingReadStream(Stream inner, Sha256Digest expected) : Stream
{
    private readonly StreamHasher _hasher = new();
    private bool _verified;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Observe(buffer.Span[..read]);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Observe(buffer.AsSpan(offset, read));
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Observe(ReadOnlySpan<byte> data)
    {
        if (data.Length > 0)
        {
            _hasher.Append(data);
            return;
        }
        if (_verified) return;
        _verified = true;
        var actual = _hasher.Finish();
        if (actual != expected) throw new BlobIntegrityException(expected.Hex, actual.Hex);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            _hasher.Dispose();
        }
        base.Dispose(disposing);
    }
}
