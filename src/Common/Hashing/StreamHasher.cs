using System.Buffers;
using System.Security.Cryptography;

namespace CacheRegistry.Common.Hashing;

/// <summary>Computes a SHA-256 digest incrementally over bytes as they stream past.</summary>
public sealed class StreamHasher : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        _hash.AppendData(data);
        Length += data.Length;
    }

    public async Task ConsumeAsync(Stream content, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0) Append(buffer.AsSpan(0, read));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public Sha256Digest Finish() => Sha256Digest.FromHash(_hash.GetHashAndReset());

    public void Dispose() => _hash.Dispose();
}
