using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CacheRegistry.Common.Artifacts;

namespace CacheRegistry.Client.Artifacts;

/// <summary>One resolved dependency: the exact version and everything needed to check it offline.</summary>
/// <param name="Spec">The range or tag it was resolved from.</param>
/// <param name="Namespace">The namespace it was resolved in (null only in locks written before format 2: then the client's).</param>
/// <param name="Name">The artifact's name.</param>
/// <param name="Version">The exact version.</param>
/// <param name="ManifestDigest">The SHA-256 of the canonical manifest.</param>
/// <param name="Files">The version's files and links.</param>
/// <param name="Metadata">The version's metadata.</param>
/// <param name="Signatures">Signatures over the manifest.</param>
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

/// <summary>
/// <c>cache.lock</c>: what <c>cache resolve</c> decided, keyed like cache.json. Written for people and
/// diffs: artifacts by key, files by path (one line each), metadata by key, signatures by key id, two
/// spaces of indentation, '\n' line ends, nothing escaped that need not be. Reads format 2 (this) and
/// format 1 (the first release's).
/// </summary>
public sealed record ProjectLock(IReadOnlyDictionary<string, LockedArtifact> Artifacts)
{
    /// <summary>The file's name in a project.</summary>
    public const string FileName = "cache.lock";

    /// <summary>The lock format this code writes.</summary>
    public const int CurrentVersion = 2;

    private const string Regenerate = "delete it and run cache resolve to write it again";

    /// <summary>A lock with no artifacts.</summary>
    public static ProjectLock Empty { get; } = new(new SortedDictionary<string, LockedArtifact>(StringComparer.Ordinal));

    /// <summary>Reads a cache.lock; a missing file is an empty lock.</summary>
    public static ProjectLock Load(string path) => File.Exists(path) ? Parse(path, File.ReadAllBytes(path)) : Empty;

    /// <summary>Parses the content of a cache.lock; <paramref name="path"/> is for messages.</summary>
    public static ProjectLock Parse(string path, ReadOnlyMemory<byte> utf8)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8);
        }
        catch (JsonException e)
        {
            throw ProjectFileException.FromJson(path, e, Regenerate);
        }
        using (document)
        {
            try
            {
                return Read(path, document.RootElement);
            }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException)
            {
                throw new ProjectFileException(path, $"not a lock file this cache can read ({e.Message}); {Regenerate}", e);
            }
        }
    }

    private static ProjectLock Read(string path, JsonElement root)
    {
        var format = root.GetProperty("version").GetInt32();
        if (format is < 1 or > CurrentVersion)
        {
            throw new ProjectFileException(path, $"lock format {format} is not one this cache reads (1 to {CurrentVersion}); update the cache CLI, or {Regenerate}");
        }
        var artifacts = new SortedDictionary<string, LockedArtifact>(StringComparer.Ordinal);
        if (root.TryGetProperty("artifacts", out var entries))
        {
            foreach (var entry in entries.EnumerateObject()) artifacts[entry.Name] = ReadArtifact(entry.Value);
        }
        return new ProjectLock(artifacts);
    }

    private static LockedArtifact ReadArtifact(JsonElement artifact)
    {
        string? Text(string name) => artifact.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        string Required(string name) => Text(name) ?? throw new KeyNotFoundException($"an artifact has no \"{name}\"");

        var files = new List<ArtifactFile>();
        foreach (var file in artifact.GetProperty("files").EnumerateArray())
        {
            var filePath = file.GetProperty("path").GetString()!;
            files.Add(file.TryGetProperty("linkTarget", out var target) && target.ValueKind == JsonValueKind.String
                ? ArtifactFile.Link(filePath, target.GetString()!)
                : new ArtifactFile(filePath, file.GetProperty("digest").GetString()!, file.GetProperty("size").GetInt64(),
                    file.TryGetProperty("executable", out var executable) && executable.GetBoolean()));
        }
        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (artifact.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
        {
            foreach (var pair in meta.EnumerateObject()) metadata[pair.Name] = pair.Value.GetString()!;
        }
        var signatures = new List<ArtifactSignature>();
        if (artifact.TryGetProperty("signatures", out var signed) && signed.ValueKind == JsonValueKind.Array)
        {
            foreach (var s in signed.EnumerateArray())
            {
                signatures.Add(new ArtifactSignature(s.GetProperty("keyId").GetString()!, s.GetProperty("algorithm").GetString()!,
                    s.GetProperty("publicKey").GetString()!, s.GetProperty("signature").GetString()!));
            }
        }
        return new LockedArtifact(Required("spec"), Text("namespace"), Required("name"), Required("version"), Required("manifestDigest"), files, metadata, signatures);
    }

    /// <summary>Written to a temporary file and renamed, so a crash never leaves half a lock.</summary>
    public void Save(string path)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = File.Create(temporary)) Write(file);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The lock's text, byte for byte as <see cref="Save"/> writes it.</summary>
    public void Write(Stream output)
    {
        // Written by hand rather than by a serializer: a file per line, so adding, removing or changing a
        // file is a one-line diff, and a fixed layout that no serializer setting can change.
        var text = new StringBuilder();
        text.Append("{\n  \"version\": ").Append(CurrentVersion).Append(",\n  \"artifacts\": {");
        var firstArtifact = true;
        foreach (var (key, artifact) in Artifacts.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            text.Append(firstArtifact ? "\n" : ",\n").Append("    ").Append(Quoted(key)).Append(": {\n");
            firstArtifact = false;
            Property(text, 6, "spec", artifact.Spec);
            if (artifact.Namespace is not null) Property(text, 6, "namespace", artifact.Namespace);
            Property(text, 6, "name", artifact.Name);
            Property(text, 6, "version", artifact.Version);
            Property(text, 6, "manifestDigest", artifact.ManifestDigest);
            text.Append("      \"files\": [\n");
            text.AppendJoin(",\n", artifact.Files.OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => "        " + OneLine(f)));
            text.Append("\n      ]");
            if (artifact.Metadata.Count > 0)
            {
                text.Append(",\n      \"metadata\": {\n");
                text.AppendJoin(",\n", artifact.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"        {Quoted(m.Key)}: {Quoted(m.Value)}"));
                text.Append("\n      }");
            }
            if (artifact.Signatures.Count > 0)
            {
                text.Append(",\n      \"signatures\": [\n");
                text.AppendJoin(",\n", artifact.Signatures.OrderBy(s => s.KeyId, StringComparer.Ordinal).ThenBy(s => s.Signature, StringComparer.Ordinal).Select(s =>
                    $"        {{\n          \"keyId\": {Quoted(s.KeyId)},\n          \"algorithm\": {Quoted(s.Algorithm)},\n"
                    + $"          \"publicKey\": {Quoted(s.PublicKey)},\n          \"signature\": {Quoted(s.Signature)}\n        }}"));
                text.Append("\n      ]");
            }
            text.Append("\n    }");
        }
        text.Append(firstArtifact ? "}\n}\n" : "\n  }\n}\n");
        output.Write(Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static void Property(StringBuilder text, int indent, string name, string value) =>
        text.Append(' ', indent).Append(Quoted(name)).Append(": ").Append(Quoted(value)).Append(",\n");

    private static string Quoted(string value) => $"\"{JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\"";

    // A file on one line, so adding, removing or changing a file is a one-line diff.
    private static string OneLine(ArtifactFile file)
    {
        var text = new StringBuilder("{ \"path\": ").Append(Quoted(file.Path));
        if (file.LinkTarget is { } target) text.Append(", \"linkTarget\": ").Append(Quoted(target));
        else
        {
            text.Append(", \"digest\": ").Append(Quoted(file.Digest)).Append(", \"size\": ").Append(file.Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (file.Executable) text.Append(", \"executable\": true");
        }
        return text.Append(" }").ToString();
    }
}
