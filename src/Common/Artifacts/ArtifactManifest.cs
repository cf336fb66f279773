using System.Text;
using System.Text.Json;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Common.Artifacts;

/// <summary>One file of an artifact version: relative path ('/'-separated), content digest, size, executable bit.</summary>
public sealed record ArtifactFile(string Path, string Digest, long Size, bool Executable);

/// <summary>
/// The immutable content of an artifact version: what is signed and what two publishes are compared
/// by. Its canonical form (fixed property order, files sorted by path, metadata by key, no
/// whitespace) is hashed to the manifest digest.
/// </summary>
public sealed record ArtifactManifest(string Name, string Version, IReadOnlyList<ArtifactFile> Files, IReadOnlyDictionary<string, string> Metadata)
{
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
        }
        foreach (var duplicate in Files.GroupBy(f => f.Path, StringComparer.Ordinal).Where(g => g.Count() > 1)) yield return $"file '{duplicate.Key}' is listed twice";
        if (Metadata.Count > 64 || Metadata.Any(m => m.Key.Length is 0 or > 128 || m.Value.Length > 4096)) yield return "metadata: at most 64 entries, keys of 1-128 and values of at most 4096 characters";
    }

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
        return IsValidName(name) && (ns is null || ns.Length > 0) && (spec is null || spec.Length > 0);
    }

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 100 && char.IsAsciiLetterOrDigit(name[0]) && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-');
}
