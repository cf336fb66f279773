using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Common.Artifacts;

/// <summary>
/// One entry of an artifact version: relative path ('/'-separated), content digest, size, executable bit;
/// or, with <see cref="LinkTarget"/>, a symbolic link to another path of the same artifact (its digest is
/// then the empty blob's and its size 0).
/// </summary>
public sealed record ArtifactFile(
    string Path,
    string Digest,
    long Size,
    bool Executable,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? LinkTarget = null)
{
    /// <summary>True for a symbolic link.</summary>
    [JsonIgnore]
    public bool IsLink => LinkTarget is not null;

    /// <summary>A symbolic link entry; <paramref name="target"/> is relative to the link's directory (see <see cref="ArtifactLinks"/>).</summary>
    public static ArtifactFile Link(string path, string target) => new(path, Sha256Digest.Empty.Hex, 0, false, target);
}

/// <summary>
/// The immutable content of an artifact version: what is signed and what two publishes are compared
/// by. Its canonical form (fixed property order, files sorted by path, metadata by key, no
/// whitespace) is hashed to the manifest digest. A link's target is part of it; a manifest without
/// links has the same canonical form as before links existed.
/// </summary>
public sealed record ArtifactManifest(string Name, string Version, IReadOnlyList<ArtifactFile> Files, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>Most metadata entries a manifest may carry.</summary>
    public const int MaxMetadataEntries = 64;

    /// <summary>Longest metadata key.</summary>
    public const int MaxMetadataKeyLength = 128;

    /// <summary>Longest metadata value.</summary>
    public const int MaxMetadataValueLength = 4096;

    public byte[] CanonicalJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("name", Name);
            json.WriteString("version", Version);
            json.WriteStartArray("files");
            foreach (var file in Files.OrderBy(f => f.Path, StringComparer.Ordinal))
            {
                json.WriteStartObject();
                json.WriteString("path", file.Path);
                json.WriteString("digest", file.Digest);
                json.WriteNumber("size", file.Size);
                json.WriteBoolean("executable", file.Executable);
                if (file.LinkTarget is not null) json.WriteString("linkTarget", file.LinkTarget);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartObject("metadata");
            foreach (var (key, value) in Metadata.OrderBy(m => m.Key, StringComparer.Ordinal)) json.WriteString(key, value);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The SHA-256 of the canonical form; computed, never serialized (the API serves it as manifestDigest).</summary>
    [JsonIgnore]
    public Sha256Digest Digest => Sha256Digest.Of(CanonicalJson());

    /// <summary>Problems that make a manifest unacceptable; empty when it is well formed.</summary>
    public IEnumerable<string> Problems()
    {
        if (Files.Count == 0) yield return "an artifact needs at least one file";
        foreach (var file in Files)
        {
            if (!IsSafeRelativePath(file.Path)) yield return $"file path '{file.Path}' must be relative, '/'-separated, without '.' or '..' parts";
            if (!Sha256Digest.TryParse(file.Digest, out _)) yield return $"file '{file.Path}' has an invalid digest";
            if (file.Size < 0) yield return $"file '{file.Path}' has a negative size";
            if (file.LinkTarget is { } target && ArtifactLinks.Problem(file, target) is { } linkProblem) yield return linkProblem;
        }
        foreach (var duplicate in Files.GroupBy(f => f.Path, StringComparer.Ordinal).Where(g => g.Count() > 1)) yield return $"file '{duplicate.Key}' is listed twice";
        // A path below a link would be written through it, wherever it points.
        var links = Files.Where(f => f.IsLink).Select(f => f.Path + "/").ToList();
        foreach (var file in Files.Where(f => links.Any(link => f.Path.StartsWith(link, StringComparison.Ordinal))))
        {
            yield return $"file '{file.Path}' is below a symbolic link";
        }
        if (MetadataProblem(Metadata) is { } metadataProblem) yield return metadataProblem;
    }

    /// <summary>What is wrong with a manifest's metadata, or null.</summary>
    public static string? MetadataProblem(IReadOnlyDictionary<string, string> metadata) =>
        metadata.Count > MaxMetadataEntries || metadata.Any(m => m.Key.Length is 0 or > MaxMetadataKeyLength || m.Value.Length > MaxMetadataValueLength)
            ? $"metadata: at most {MaxMetadataEntries} entries, keys of 1-{MaxMetadataKeyLength} and values of at most {MaxMetadataValueLength} characters"
            : null;

    public static bool IsSafeRelativePath(string path) =>
        path.Length is > 0 and <= 1024 && !path.StartsWith('/') && !path.Contains('\\') && !path.Contains('\0')
        && path.Split('/').All(part => part.Length > 0 && part != "." && part != "..");
}

/// <summary>Parses "[namespace/]name@spec" as users write it.</summary>
public static class ArtifactReference
{
    public static bool TryParse(string text, out string? ns, out string name, out string? spec)
    {
        ns = null;
        spec = null;
        var at = text.IndexOf('@');
        var qualified = at < 0 ? text : text[..at];
        if (at >= 0) spec = text[(at + 1)..];
        var slash = qualified.IndexOf('/');
        if (slash >= 0)
        {
            ns = qualified[..slash];
            qualified = qualified[(slash + 1)..];
        }
        name = qualified;
        return IsValidName(name) && (ns is null || IsValidNamespace(ns)) && (spec is null || spec.Length > 0);
    }

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 100 && char.IsAsciiLetterOrDigit(name[0]) && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-');

    /// <summary>1-64 of [A-Za-z0-9._-], starting with a letter or digit (the server's rule).</summary>
    public static bool IsValidNamespace(string ns) =>
        ns.Length is > 0 and <= 64 && char.IsAsciiLetterOrDigit(ns[0]) && ns.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>How to write a reference, for error messages.</summary>
    public const string NameRules = "names: lowercase letters, digits, '.', '_', '-'; namespaces: letters, digits, '.', '_', '-'";
}
