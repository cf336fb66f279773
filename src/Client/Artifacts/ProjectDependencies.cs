using System.Text.Json;
using CacheRegistry.Common.Artifacts;

namespace CacheRegistry.Client.Artifacts;

/// <summary>One dependency of a project: the artifact as cache.json names it, and its range or tag.</summary>
/// <param name="Key">As written in cache.json: [namespace/]name.</param>
/// <param name="Namespace">The namespace it names, or null for the client's.</param>
/// <param name="Name">The artifact's name.</param>
/// <param name="Spec">A version range or a tag.</param>
public sealed record ProjectDependency(string Key, string? Namespace, string Name, string Spec);

/// <summary>
/// <c>cache.json</c>: the artifacts a project depends on,
/// <c>{ "dependencies": { "[namespace/]name": "range or tag" } }</c> (comments and trailing commas allowed).
/// Every entry is checked when the file is read; a problem names the file, line and column.
/// </summary>
public sealed record ProjectDependencies(IReadOnlyList<ProjectDependency> Dependencies)
{
    /// <summary>The file's name in a project.</summary>
    public const string FileName = "cache.json";

    private const string Example = "{ \"dependencies\": { \"acme/tool\": \"^1.2\" } }";

    /// <summary>Reads and checks a cache.json.</summary>
    public static ProjectDependencies Load(string path)
    {
        if (!File.Exists(path)) throw new ProjectFileException(path, $"not found; create it, e.g. {Example}");
        return Parse(path, File.ReadAllBytes(path)); // a small file written by people: read whole
    }

    /// <summary>Parses the content of a cache.json; <paramref name="path"/> is for messages.</summary>
    public static ProjectDependencies Parse(string path, ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var found = new SortedDictionary<string, ProjectDependency>(StringComparer.Ordinal);
        try
        {
            if (!reader.Read()) throw At(path, utf8, 0, $"the file is empty; write e.g. {Example}");
            if (reader.TokenType != JsonTokenType.StartObject) throw At(path, utf8, reader.TokenStartIndex, $"expected an object, e.g. {Example}");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader.GetString()!;
                var propertyAt = reader.TokenStartIndex;
                if (property != "dependencies") throw At(path, utf8, propertyAt, $"unknown property \"{property}\"; cache.json has one: \"dependencies\"");
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject) throw At(path, utf8, reader.TokenStartIndex, $"\"dependencies\" must be an object, e.g. {Example}");
                ReadDependencies(path, utf8, ref reader, found);
            }
            while (reader.Read())
            {
                // Only comments or whitespace may follow the object; the reader itself rejects anything else.
            }
        }
        catch (JsonException e)
        {
            throw ProjectFileException.FromJson(path, e, $"fix the file (it should look like {Example})");
        }
        return new ProjectDependencies(found.Values.ToList());
    }

    private static void ReadDependencies(string path, ReadOnlySpan<byte> utf8, ref Utf8JsonReader reader, SortedDictionary<string, ProjectDependency> into)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            var keyAt = reader.TokenStartIndex;
            if (!ArtifactReference.TryParse(key, out var ns, out var name, out var spec) || spec is not null)
            {
                throw At(path, utf8, keyAt, $"\"{key}\" is not an artifact as [namespace/]name ({ArtifactReference.NameRules})");
            }
            if (into.ContainsKey(key)) throw At(path, utf8, keyAt, $"\"{key}\" is listed twice");
            reader.Read();
            if (reader.TokenType != JsonTokenType.String) throw At(path, utf8, reader.TokenStartIndex, $"the range of \"{key}\" must be a string, e.g. \"^1.2\" or \"stable\"");
            var range = reader.GetString()!.Trim();
            if (!ArtifactVersions.IsValidSpec(range)) throw At(path, utf8, reader.TokenStartIndex, $"\"{range}\" (for \"{key}\") is not {ArtifactVersions.SpecRules}");
            into[key] = new ProjectDependency(key, ns, name, range);
        }
    }

    private static ProjectFileException At(string path, ReadOnlySpan<byte> utf8, long offset, string problem)
    {
        var (line, column) = JsonPositions.Of(utf8, offset);
        return new ProjectFileException(path, line, column, problem);
    }
}
