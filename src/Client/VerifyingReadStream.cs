using CacheRegistry.Common.Hashing;
using CacheRegistry.Common.IO;

namespace CacheRegistry.Client;

/// <summary>Hashes what is read through it and throws <see cref="BlobIntegrityException"/> at the end on a mismatch.</summary>
internal sealed class VerifyingReadStream(Stream inner, Sha256Digest expected) : ReadOnlyStream
{
    private readonly StreamHasher _hasher = new();
    private bool _verified;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Observe(buffer.Span[..read]);
        return read;
    }

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Observe(buffer[..read]);
        return read;
    }

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
