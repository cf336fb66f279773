using System.Text.Json;
using System.Text.Json.Serialization;

namespace CacheRegistry.Client.Actions;

/// <summary>One produced file: workspace-relative path, content digest, size and executable bit.</summary>
public sealed record OutputFile(string Path, string Digest, long Size, bool Executable);

/// <summary>
/// The action entry stored under the action key (<c>PUT /ac/{key}</c>): what the step produced and
/// printed, and how it ended. Every digest names a CAS blob in the same namespace. Versioned JSON.
/// </summary>
public sealed record ActionManifest(
    int Version,
    IReadOnlyList<string> DeclaredOutputs,
    IReadOnlyList<OutputFile> Files,
    IReadOnlyList<string> Directories,
    int ExitCode,
    string StdoutDigest,
    long StdoutSize,
    string StderrDigest,
    long StderrSize,
    DateTimeOffset CreatedAt,
    string CreatedOn)
{
    /// <summary>The version of the format this code writes and reads.</summary>
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The entry as stored on the server and in the local tier.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Null when the bytes are not a manifest this version understands (then it is a miss, not an error).</summary>
    public static ActionManifest? TryParse(ReadOnlySpan<byte> json)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize<ActionManifest>(json, Json);
            return manifest is { Version: CurrentVersion, Files: not null, DeclaredOutputs: not null, Directories: not null } ? manifest : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Every blob the entry refers to.</summary>
    public IEnumerable<string> Digests => Files.Select(f => f.Digest).Append(StdoutDigest).Append(StderrDigest).Distinct();
}
