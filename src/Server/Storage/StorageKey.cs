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

    public override string ToString() => Value;
}
