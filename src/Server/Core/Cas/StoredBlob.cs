using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Storage;

namespace CacheRegistry.Server.Core.Cas;

/// <summary>What reading a blob needs to know: its digest, sizes, how its stored bytes are encoded and where they are.</summary>
public sealed record StoredBlob(Sha256Digest Digest, long Size, long StoredSize, BlobEncoding Encoding, StorageKey? Key)
{
    /// <summary>The empty blob exists everywhere without being stored.</summary>
    public static readonly StoredBlob Empty = new(Sha256Digest.Empty, 0, 0, BlobEncoding.Identity, null);
}

/// <summary>How the bytes of an upload are encoded on the wire.</summary>
public enum UploadEncoding { Identity, Zstd }
