using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Storage;

/// <summary>
/// The name of a stored object. Only built from a validated digest and an encoding, so no request
/// text ever reaches a path or an object key. The encoding is part of the name so that two uploads of
/// the same content in different encodings never overwrite each other's bytes.
/// </summary>
public readonly record struct StorageKey
{
    public string Value { get; }

    private StorageKey(string value) => Value = value;

    public static StorageKey ForBlob(Sha256Digest digest, BlobEncoding encoding) =>
        new($"cas/{digest.Hex[..2]}/{digest.Hex}{(encoding == BlobEncoding.Zstd ? ".zst" : "")}");

    /// <summary>A part of a resumable upload; the session id is server-generated hex, the number bounded.</summary>
    public static StorageKey ForUploadPart(string sessionId, int number)
    {
        if (sessionId.Length != 32 || !sessionId.All(char.IsAsciiHexDigitLower) || number is < 1 or > 99_999)
        {
            throw new ArgumentException("invalid upload part");
        }
        return new StorageKey($"uploads/{sessionId}/{number:D5}");
    }

    /// <summary>Reads a listed object key back; false for anything this server would not have written.</summary>
    public static bool TryParseBlob(string key, out Sha256Digest digest, out BlobEncoding encoding)
    {
        digest = default;
        encoding = key.EndsWith(".zst", StringComparison.Ordinal) ? BlobEncoding.Zstd : BlobEncoding.Identity;
        var name = encoding == BlobEncoding.Zstd ? key[..^4] : key;
        return name.Length == 4 + 3 + Sha256Digest.HexLength && name.StartsWith("cas/", StringComparison.Ordinal)
            && Sha256Digest.TryParse(name[7..], out digest) && name[4..6] == digest.Hex[..2];
    }

    /// <summary>The session id of a listed upload-part key, or null.</summary>
    public static string? UploadSessionOf(string key)
    {
        var parts = key.Split('/');
        return parts.Length == 3 && parts[0] == "uploads" && parts[1].Length == 32 && parts[1].All(char.IsAsciiHexDigitLower) ? parts[1] : null;
    }

    public static StorageKey FromListing(string key) => new(key);

    public override string ToString() => Value;
}
