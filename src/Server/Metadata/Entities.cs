namespace CacheRegistry.Server.Metadata;

public enum BlobEncoding { Identity = 0, Zstd = 1 }

/// <summary>One stored blob, shared by every namespace that can see it.</summary>
public sealed class BlobRecord
{
    public required string Digest { get; set; }

    /// <summary>Uncompressed size: what a client gets back.</summary>
    public long Size { get; set; }

    /// <summary>Size of the object in storage.</summary>
    public long StoredSize { get; set; }

    public BlobEncoding Encoding { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastAccessAt { get; set; }

    public long HitCount { get; set; }
}

/// <summary>Makes a blob visible in a namespace: only namespaces that uploaded a blob can read it.</summary>
public sealed class NamespaceBlob
{
    public required string Namespace { get; set; }

    public required string Digest { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>An action cache entry: a key chosen by the client, pointing at the blob holding its value.</summary>
public sealed class ActionEntry
{
    public required string Namespace { get; set; }

    public required string Key { get; set; }

    public required string ValueDigest { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset LastAccessAt { get; set; }

    public long HitCount { get; set; }
}
