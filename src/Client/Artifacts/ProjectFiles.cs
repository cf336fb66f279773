using System.Text.Json;
using CacheRegistry.Common.Artifacts;

namespace CacheRegistry.Client.Artifacts;

/// <summary><c>cache.json</c>: the artifacts a project depends on, as "[namespace/]name": "range or tag".</summary>
public sealed record ProjectDependencies(SortedDictionary<string, string> Dependencies)
{
    /// <summary>The file's name in a project.</summary>
    public const string FileName = "cache.json";

    /// <summary>Reads a cache.json.</summary>
    public static ProjectDependencies Load(string path)
    {
        var parsed = JsonSerializer.Deserialize<ProjectDependencies>(File.ReadAllText(path), ProjectJson.Options)
            ?? throw new InvalidDataException($"{path} is empty");
        return parsed with { Dependencies = new SortedDictionary<string, string>(parsed.Dependencies ?? [], StringComparer.Ordinal) };
    }
}

/// <summary>One resolved dependency: the exact version and everything needed to check it offline.</summary>
public sealed record LockedArtifact(
    string Spec,
    string? Namespace,
    string Name,
    string Version,
    string ManifestDigest,
    IReadOnlyList<ArtifactFile> Files,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<ArtifactSignature> Signatures)
{
    /// <summary>The manifest whose SHA-256 is <see cref="ManifestDigest"/> (and that signatures sign).</summary>
    public ArtifactManifest Manifest => new(Name, Version, Files, Metadata);
}

/// <summary><c>cache.lock</c>: what <c>cache resolve</c> decided, keyed like cache.json.</summary>
public sealed record ProjectLock(int Version, SortedDictionary<string, LockedArtifact> Artifacts)
{
    /// <summary>The file's name in a project.</summary>
    public const string FileName = "cache.lock";

    /// <summary>The lock format this code writes and reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>A lock with no artifacts.</summary>
    public static ProjectLock Empty => new(CurrentVersion, new SortedDictionary<string, LockedArtifact>(StringComparer.Ordinal));

    /// <summary>Reads a cache.lock; a missing file is an empty lock, another format version an error.</summary>
    public static ProjectLock Load(string path)
    {
        if (!File.Exists(path)) return Empty;
        var parsed = JsonSerializer.Deserialize<ProjectLock>(File.ReadAllText(path), ProjectJson.Options) ?? Empty;
        if (parsed.Version != CurrentVersion) throw new InvalidDataException($"{path} has lock format {parsed.Version}; this cache understands {CurrentVersion}");
        return parsed with { Artifacts = new SortedDictionary<string, LockedArtifact>(parsed.Artifacts ?? [], StringComparer.Ordinal) };
    }

    /// <summary>Written to a temporary file and renamed, so a crash never leaves half a lock.</summary>
    public void Save(string path)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, ProjectJson.Options) + "\n");
        File.Move(temporary, path, overwrite: true);
    }
}

internal static class ProjectJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
