using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Storage;

namespace CacheRegistry.Server.Core.Cas;

/// <summary>
/// What reading a blob needs to know: its digest, sizes, how its stored bytes are encoded and where they
/// are. <paramref name="Key"/> names its object in the blob store; it is null for the empty blob and for
/// an inline blob, whose few bytes are kept in its metadata row instead (<see cref="InlineContents"/>).
/// </summary>
public sealed record StoredBlob(Sha256Digest Digest, long Size, long StoredSize, BlobEncoding Encoding, StorageKey? Key)
{
    /// <summary>The empty blob exists everywhere without being stored.</summary>
    public static readonly StoredBlob Empty = new(Sha256Digest.Empty, 0, 0, BlobEncoding.Identity, null);

    /// <summary>Its bytes are in its metadata row, not in the blob store.</summary>
    public bool IsInline => Key is null && Size > 0;
}

/// <summary>How the bytes of an upload are encoded on the wire.</summary>
public enum UploadEncoding { Identity, Zstd }
