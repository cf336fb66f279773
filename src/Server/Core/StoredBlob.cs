using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Core;

/// <summary>What reading a blob needs to know: its digest, sizes and how its stored bytes are encoded.</summary>
public sealed record StoredBlob(Sha256Digest Digest, long Size, long StoredSize, BlobEncoding Encoding)
{
    public static readonly StoredBlob Empty = new(Sha256Digest.Empty, 0, 0, BlobEncoding.Identity);

    public static StoredBlob From(BlobRecord record) =>
        new(Sha256Digest.Parse(record.Digest), record.Size, record.StoredSize, record.Encoding);
}
