namespace CacheRegistry.Cli.Output;

// The --json documents of the commands. The README documents each; fields are added, never renamed
// or removed. Properties are written camelCase.

/// <summary>cache push --json</summary>
public sealed record PushDocument(string Namespace, string Name, string Version, string ManifestDigest, bool Created, int Files, int Links,
    int UploadedFiles, long UploadedBytes, IReadOnlyList<string> Tags);

/// <summary>cache resolve --json</summary>
public sealed record ResolveDocument(string Lock, IReadOnlyList<ResolvedDependencyDocument> Dependencies, IReadOnlyList<string> Removed);

/// <summary>change: "unchanged", "added" or "updated".</summary>
public sealed record ResolvedDependencyDocument(string Key, string Spec, string Namespace, string Name, string Version, string ManifestDigest,
    string Change, string? PreviousVersion);

/// <summary>cache pull --json</summary>
public sealed record PullDocument(IReadOnlyList<PulledArtifactDocument> Artifacts);

public sealed record PulledArtifactDocument(string Namespace, string Name, string Version, string Directory, int Downloaded, int AlreadyPresent,
    IReadOnlyList<string> Overwritten, IReadOnlyList<string> Extra, IReadOnlyList<string> Removed);

/// <summary>cache verify --json</summary>
public sealed record VerifyDocument(bool Ok, int Artifacts, int Files, IReadOnlyList<VerifyProblemDocument> Problems);

/// <summary>path: null for a problem with the artifact as a whole (signatures, the lock).</summary>
public sealed record VerifyProblemDocument(string Artifact, string? Path, string Problem);

/// <summary>cache list --json</summary>
public sealed record ArtifactListDocument(string Namespace, IReadOnlyList<ArtifactListItem> Artifacts);

public sealed record ArtifactListItem(string Name, string? LatestVersion, int Versions, DateTimeOffset UpdatedAt);

/// <summary>cache list NAME --json: newest first.</summary>
public sealed record VersionListDocument(string Namespace, string Name, IReadOnlyList<VersionListItem> Versions);

public sealed record VersionListItem(string Version, IReadOnlyList<string> Tags, bool Yanked, long Size, int Files, DateTimeOffset PublishedAt,
    string Publisher, string ManifestDigest, int Signatures);

/// <summary>cache yank --json</summary>
public sealed record YankDocument(string Namespace, string Name, string Version, bool Yanked);

/// <summary>cache tag add|rm --json; version: null after rm.</summary>
public sealed record TagDocument(string Namespace, string Name, string Tag, string? Version);

/// <summary>cache delete version --json</summary>
public sealed record DeletedVersionDocument(string Namespace, string Name, string Version, bool Deleted);

/// <summary>cache blob put --json</summary>
public sealed record BlobPutDocument(IReadOnlyList<BlobFileDocument> Files);

public sealed record BlobFileDocument(string Path, string Digest, long Size, bool Uploaded);

/// <summary>cache blob get --json</summary>
public sealed record BlobGetDocument(string Digest, string Path, long Size);

/// <summary>cache exec --dry-run --json; outcome: "hit-local", "hit-server" or "miss"; changes: on a miss, what changed since the previous run here (null: none known).</summary>
public sealed record ExecDocument(string Key, string Outcome, ExecInputsDocument Inputs, IReadOnlyList<string>? Changes);

/// <summary>What went into the action key; an input file has a digest, an input link a linkTarget.</summary>
public sealed record ExecInputsDocument(IReadOnlyList<string> Command, IReadOnlyDictionary<string, string?> Environment, IReadOnlyList<ExecInputDocument> Files,
    string Toolchain, string? ToolchainVersion, string Platform, string Salt);

public sealed record ExecInputDocument(string Path, string? Digest, string? LinkTarget);
