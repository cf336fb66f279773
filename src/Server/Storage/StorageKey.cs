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

    public override string ToString() => Value;
}
