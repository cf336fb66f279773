using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace CacheRegistry.Common.Hashing;

/// <summary>A SHA-256 digest in its canonical form: 64 lowercase hexadecimal characters.</summary>
public readonly record struct Sha256Digest
{
    public const int HexLength = 64;

    /// <summary>The digest of zero bytes, as text (for SQL written once).</summary>
    public const string EmptyHex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>The digest of zero bytes; that blob exists everywhere without being stored.</summary>
    public static readonly Sha256Digest Empty = new(EmptyHex);

    private static readonly SearchValues<char> LowercaseHex = SearchValues.Create("0123456789abcdef");

    public string Hex { get; }

    private Sha256Digest(string hex) => Hex = hex;

    public bool IsEmpty => Hex == Empty.Hex;

    /// <summary>Accepts exactly 64 lowercase hex characters; nothing else is a digest.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Sha256Digest digest)
    {
        digest = default;
        if (text is null || text.Length != HexLength || text.AsSpan().ContainsAnyExcept(LowercaseHex)) return false;
        digest = new Sha256Digest(text);
        return true;
    }

    public static Sha256Digest Parse(string text) =>
        TryParse(text, out var digest) ? digest : throw new FormatException($"'{text}' is not a SHA-256 digest (64 lowercase hex characters).");

    public static Sha256Digest FromHash(ReadOnlySpan<byte> hash) => new(Convert.ToHexStringLower(hash));

    public static Sha256Digest Of(ReadOnlySpan<byte> content) => FromHash(SHA256.HashData(content));

    public static async Task<(Sha256Digest Digest, long Length)> OfStreamAsync(Stream content, CancellationToken cancellationToken = default)
    {
        using var hasher = new StreamHasher();
        await hasher.ConsumeAsync(content, cancellationToken);
        return (hasher.Finish(), hasher.Length);
    }

    public static async Task<(Sha256Digest Digest, long Length)> OfFileAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var file = File.OpenRead(path);
        return await OfStreamAsync(file, cancellationToken);
    }

    public override string ToString() => Hex;
}
