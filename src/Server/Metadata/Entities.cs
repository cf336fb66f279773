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

/// <summary>
/// A keyed cache entry: a protocol-defined key in a namespace, pointing at the blob holding its value.
/// Bazel's action cache, ccache, Turborepo, Nx and Gradle entries are all of this shape.
/// </summary>
public sealed class CacheEntry
{
    public const int MaxKeyLength = 255;

    public required string Namespace { get; set; }

    public EntryKind Kind { get; set; }

    /// <summary>The protocol's own key, validated by its adapter (an action digest, a ccache path, a task hash…).</summary>
    public required string Key { get; set; }

    public required string ValueDigest { get; set; }

    /// <summary>Protocol metadata kept with the value (e.g. Turborepo's x-artifact-* headers), as a JSON object.</summary>
    public string? Metadata { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset LastAccessAt { get; set; }

    public long HitCount { get; set; }
}

/// <summary>Which protocol an entry belongs to; each has its own key space.</summary>
public enum EntryKind { Action, Ccache, Turborepo, Nx, Gradle }

/// <summary>A token the server issued. The token itself is never stored, only what it grants.</summary>
public sealed class IssuedToken
{
    /// <summary>The token's <c>jti</c>.</summary>
    public required string Id { get; set; }

    public required string Name { get; set; }

    /// <summary>Space-separated <c>pattern:permission</c> scopes.</summary>
    public required string Scopes { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>Who did what, when: writes, deletes, token issuing and revocation.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    public required string Actor { get; set; }

    public required string Action { get; set; }

    public string? Namespace { get; set; }

    public string? Target { get; set; }

    public int Status { get; set; }
}

/// <summary>A published artifact version: an immutable manifest, plus yank state and signatures.</summary>
public sealed class ArtifactVersion
{
    public required string Namespace { get; set; }

    public required string Name { get; set; }

    /// <summary>The version's identity: normalized SemVer without build metadata.</summary>
    public required string Version { get; set; }

    /// <summary>As published, build metadata included.</summary>
    public required string FullVersion { get; set; }

    public bool IsPrerelease { get; set; }

    public required string ManifestDigest { get; set; }

    /// <summary>The canonical manifest JSON.</summary>
    public required string Manifest { get; set; }

    /// <summary>JSON array of signatures over the manifest.</summary>
    public required string Signatures { get; set; }

    public bool Yanked { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public required string Publisher { get; set; }

    public long TotalSize { get; set; }
}

/// <summary>A movable name for a version of an artifact (stable, latest, ...).</summary>
public sealed class ArtifactTag
{
    public required string Namespace { get; set; }

    public required string Name { get; set; }

    public required string Tag { get; set; }

    public required string Version { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A resumable upload in progress; its parts are objects in the blob store.</summary>
public sealed class UploadSession
{
    public required string Id { get; set; }

    public required string Namespace { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}

public sealed class UploadPart
{
    public required string SessionId { get; set; }

    public int Number { get; set; }

    public long Size { get; set; }
}

/// <summary>A blob an entry's value refers to (e.g. the outputs listed in an action result), so eviction removes the entry first.</summary>
public sealed class EntryReference
{
    public required string Namespace { get; set; }

    public EntryKind Kind { get; set; }

    public required string Key { get; set; }

    public required string Digest { get; set; }
}

/// <summary>Who may run garbage collection now: one replica at a time, until the lease expires.</summary>
public sealed class Lease
{
    public required string Name { get; set; }

    public required string Holder { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
