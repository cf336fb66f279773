using System.Text;
using System.Text.Json;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Client;

/// <summary>
/// Remembers the resumable upload session of each large file being uploaded, so that an upload
/// interrupted in one process (Ctrl-C, a crash, a lost connection) continues in the next one,
/// sending only the parts the server does not hold yet.
/// </summary>
public interface IUploadSessionStore
{
    /// <summary>The session of an earlier, unfinished upload of this content to this server and namespace, or null.</summary>
    string? Find(Uri server, string ns, Sha256Digest digest);

    /// <summary>Records a session as soon as it starts.</summary>
    void Save(Uri server, string ns, Sha256Digest digest, string sessionId);

    /// <summary>Forgets a session once its upload completed (or the server no longer knows it).</summary>
    void Remove(Uri server, string ns, Sha256Digest digest);
}

/// <summary>
/// Keeps one small JSON file per unfinished upload in a directory (the CLI uses
/// <c>uploads/</c> under its local cache directory), named by a hash of server, namespace and digest.
/// </summary>
public sealed class FileUploadSessionStore(string directory) : IUploadSessionStore
{
    /// <summary>Where the state files are.</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    /// <inheritdoc/>
    public string? Find(Uri server, string ns, Sha256Digest digest)
    {
        var path = PathOf(server, ns, digest);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<State>(File.ReadAllText(path), Json)?.SessionId : null;
        }
        catch (JsonException)
        {
            return null; // a damaged state file only costs sending the file again
        }
    }

    /// <inheritdoc/>
    public void Save(Uri server, string ns, Sha256Digest digest, string sessionId)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathOf(server, ns, digest);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(new State(server.AbsoluteUri, ns, digest.Hex, sessionId, DateTimeOffset.UtcNow), Json));
        File.Move(temporary, path, overwrite: true);
    }

    /// <inheritdoc/>
    public void Remove(Uri server, string ns, Sha256Digest digest) => File.Delete(PathOf(server, ns, digest));

    /// <summary>The state file of an upload (whether or not it exists).</summary>
    public string PathOf(Uri server, string ns, Sha256Digest digest) =>
        Path.Combine(Directory, Sha256Digest.Of(Encoding.UTF8.GetBytes($"{server.AbsoluteUri}\n{ns}\n{digest.Hex}")).Hex[..32] + ".json");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Server, namespace and digest are kept for whoever looks at the file; the name is what finds it.
    private sealed record State(string Server, string Namespace, string Digest, string SessionId, DateTimeOffset StartedAt);
}
