using System.Text;
using CacheRegistry.Common.Compression;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Common.IO;

namespace CacheRegistry.Tests.Infrastructure;

public static class TestData
{
    /// <summary>Pseudo-random (incompressible) bytes, the same for the same seed.</summary>
    public static byte[] Random(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Text-like bytes that zstd shrinks well.</summary>
    public static byte[] Compressible(int length, int seed = 1)
    {
        var random = new Random(seed);
        var words = new[] { "cache", "registry", "build", "action", "digest", "blob", "output", "compile", "link", "\n" };
        var text = new StringBuilder(length + 16);
        while (text.Length < length) text.Append(words[random.Next(words.Length)]).Append(' ');
        return Encoding.ASCII.GetBytes(text.ToString(0, length));
    }

    public static Sha256Digest Digest(byte[] content) => Sha256Digest.Of(content);

    /// <summary>A response's body, checked against the length the server declared, and decoded when it is zstd.</summary>
    public static async Task<byte[]> BodyAsync(HttpResponseMessage response)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(response.Content.Headers.ContentLength, bytes.Length);
        if (!response.Content.Headers.ContentEncoding.Contains("zstd")) return bytes;
        await using var decompressed = new ZstdDecompressStream(new MemoryStream(bytes));
        using var plain = new MemoryStream();
        await decompressed.CopyToAsync(plain);
        return plain.ToArray();
    }
}

/// <summary>A stream of <paramref name="length"/> pseudo-random bytes made as it is read: large content, no large buffer.</summary>
public sealed class GeneratedStream(long length, int seed) : ReadOnlyStream
{
    private readonly Random _random = new(seed);
    private long _position;

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, length - _position);
        _random.NextBytes(buffer[..n]);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override long Length => length;
}
