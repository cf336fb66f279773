using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;

namespace CacheRegistry.Server.Metadata;

// The rows of the metadata database. Only the catalogs in this folder read or write them; everything
// else sees the core's records.

/// <summary>One stored blob, shared by every namespace that can see it.</summary>
internal sealed class BlobRecord
{
    public required string Digest { get; set; }

    /// <summary>Uncompressed size: what a client gets back.</summary>
    public long Size { get; set; }

    /// <summary>Size of the object in storage.</summary>
    public long StoredSize { get; set; }

    public BlobEncoding Encoding { get; set; }

    /// <summary>
    /// The object's key in the blob store; unique per write, so a stale reference can only miss. Empty
    /// for a small blob kept in <see cref="Content"/> instead.
    /// </summary>
    public required string StorageKey { get; set; }

    /// <summary>The stored bytes of a small blob, committed with this row (no object); null for a blob in the blob store.</summary>
    public byte[]? Content { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastAccessAt { get; set; }

    public long HitCount { get; set; }
}

/// <summary>Makes a blob visible in a namespace: only namespaces that uploaded a blob can read it.</summary>
internal sealed class NamespaceBlob
{
    public required string Namespace { get; set; }

    public required string Digest { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// A keyed cache entry: a protocol-defined key in a namespace, pointing at the blob holding its value.
/// Bazel's action cache, ccache, Turborepo, Nx and Gradle entries are all of this shape.
/// </summary>
internal sealed class CacheEntry
{
    public const int MaxKeyLength = 255;

    public required string Namespace { get; set; }

    public EntryKind Kind { get; set; }

    /// <summary>The protocol's own key, validated by its adapter (an action digest, a ccache path, a task hash…).</summary>
    public required string Key { get; set; }

    public required string ValueDigest { get; set; }

    /// <summary>The value's size (uncompressed), so that a query of many entries reads no blob rows.</summary>
    public long ValueSize { get; set; }

    /// <summary>Protocol metadata kept with the value (e.g. Turborepo's x-artifact-* headers), as a JSON object.</summary>
    public string? Metadata { get; set; }

    /// <summary>How many <see cref="EntryReference"/> rows the entry was written with; fewer now means a blob it names is gone.</summary>
    public int ReferenceCount { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset LastAccessAt { get; set; }

    public long HitCount { get; set; }
}

/// <summary>
/// A blob an entry needs (its value, and for action results every output it names). The foreign key
/// to the namespace's grant makes the database refuse an entry naming a blob the namespace lacks, and
/// drops the reference when the grant goes: an entry with fewer references than it was written with
/// is incomplete and reads as a miss.
/// </summary>
internal sealed class EntryReference
{
    public required string Namespace { get; set; }

    public EntryKind Kind { get; set; }

    public required string Key { get; set; }

    public required string Digest { get; set; }
}

/// <summary>A token the server issued. The token itself is never stored, only what it grants.</summary>
internal sealed class IssuedToken
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
internal sealed class AuditEventRow
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
internal sealed class ArtifactVersion
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

/// <summary>
/// A file of a published version: pins its blob in the namespace, so eviction passes it by. (Not a
/// foreign key to the grant: a blob whose object is lost must still be forgotten, and is pinned again
/// when it is uploaded again.)
/// </summary>
internal sealed class ArtifactFileRow
{
    public required string Namespace { get; set; }

    public required string Name { get; set; }

    public required string Version { get; set; }

    public required string Path { get; set; }

    public required string Digest { get; set; }
}

/// <summary>A movable name for a version of an artifact (stable, latest, ...).</summary>
internal sealed class ArtifactTag
{
    public required string Namespace { get; set; }

    public required string Name { get; set; }

    public required string Tag { get; set; }

    public required string Version { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A resumable upload in progress; its parts are objects in the blob store.</summary>
internal sealed class UploadSession
{
    public required string Id { get; set; }

    public required string Namespace { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}

internal sealed class UploadPart
{
    public required string SessionId { get; set; }

    public int Number { get; set; }

    public long Size { get; set; }
}

/// <summary>Who may run garbage collection now: one replica at a time, until the lease expires.</summary>
internal sealed class Lease
{
    public required string Name { get; set; }

    public required string Holder { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// A delete or overwrite other replicas must forget from their lookup caches; each polls the log
/// every second (see <see cref="ChangeLog"/>).
/// </summary>
internal sealed class MetadataChange
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    public required string Namespace { get; set; }

    /// <summary>"blob" (the key is a digest) or "entry" (the key is kind:key).</summary>
    public required string Kind { get; set; }

    public required string Key { get; set; }
}

/// <summary>The storage this database describes (one row): a server pointed at other storage refuses to start.</summary>
internal sealed class StorageBinding
{
    public int Id { get; set; }

    public required string StorageId { get; set; }

    public required string Description { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
