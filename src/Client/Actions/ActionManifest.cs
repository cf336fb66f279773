using System.Text.Json;
using System.Text.Json.Serialization;

namespace CacheRegistry.Client.Actions;

/// <summary>
/// One produced file: workspace-relative path, content digest, size and executable bit; or a symbolic
/// link (with <see cref="LinkTarget"/>, relative to its directory, in the canonical form of
/// <see cref="Common.Artifacts.ArtifactLinks"/>; digest the empty blob's, size 0).
/// </summary>
public sealed record OutputFile(
    string Path,
    string Digest,
    long Size,
    bool Executable,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? LinkTarget = null)
{
    /// <summary>True for a symbolic link.</summary>
    [JsonIgnore]
    public bool IsLink => LinkTarget is not null;
}

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
    /// <summary>
    /// The newest format: 2 adds symbolic links. An entry without links is still written as version 1,
    /// which clients from before links read the same; one with links is 2, which they take for a miss
    /// rather than restore links as empty files.
    /// </summary>
    public const int CurrentVersion = 2;

    /// <summary>The format an entry needs: the oldest that can describe it.</summary>
    public static int VersionFor(IEnumerable<OutputFile> files) => files.Any(f => f.IsLink) ? 2 : 1;

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
            return manifest is { Version: >= 1 and <= CurrentVersion, Files: not null, DeclaredOutputs: not null, Directories: not null } ? manifest : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Every blob the entry refers to.</summary>
    public IEnumerable<string> Digests => Files.Where(f => !f.IsLink).Select(f => f.Digest).Append(StdoutDigest).Append(StderrDigest).Distinct();
}
