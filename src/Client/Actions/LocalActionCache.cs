using System.Text;
using System.Text.Json;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Client.Actions;

/// <summary>
/// The local tier, checked before the server: blobs and action manifests on disk under the user's
/// cache directory, bounded in size (least recently used blobs go first), plus each step's last key
/// inputs for <c>--explain</c> and the file digest cache.
/// </summary>
public sealed class LocalActionCache
{
    private readonly string _root;
    private readonly long _maxBytes;

    /// <summary>A local tier in <paramref name="root"/> holding at most about <paramref name="maxBytes"/> of blobs.</summary>
    public LocalActionCache(string root, long maxBytes)
    {
        _root = Path.GetFullPath(root);
        _maxBytes = maxBytes;
        foreach (var folder in new[] { "cas", "ac", "history" }) Directory.CreateDirectory(Path.Combine(_root, folder));
    }

    /// <summary>$CACHE_LOCAL_DIR, else $XDG_CACHE_HOME/cacheregistry, else ~/.cache/cacheregistry.</summary>
    public static string DefaultDirectory() =>
        Environment.GetEnvironmentVariable("CACHE_LOCAL_DIR") is { Length: > 0 } explicitDirectory ? explicitDirectory
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "cacheregistry");

    /// <summary>The file digest cache kept in this tier.</summary>
    public FileDigestCache OpenDigestCache() => new(Path.Combine(_root, "digests.json"));

    /// <summary>The path of a locally held blob (marking it used), or null.</summary>
    public string? FindBlob(Sha256Digest digest)
    {
        var path = BlobPath(digest);
        if (!File.Exists(path)) return null;
        File.SetLastAccessTimeUtc(path, DateTime.UtcNow);
        return path;
    }

    /// <summary>Where a blob about to be downloaded should be written (the download itself is atomic).</summary>
    public string BlobPath(Sha256Digest digest) => Path.Combine(_root, "cas", digest.Hex[..2], digest.Hex);

    /// <summary>Copies a verified file into the local tier.</summary>
    public void AddBlob(Sha256Digest digest, string sourcePath)
    {
        var target = BlobPath(digest);
        if (File.Exists(target)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = $"{target}.{Guid.NewGuid():N}.tmp";
        File.Copy(sourcePath, temporary);
        File.Move(temporary, target, overwrite: true);
    }

    /// <summary>The locally held entry for an action key, or null.</summary>
    public ActionManifest? FindManifest(Sha256Digest key)
    {
        var path = ManifestPath(key);
        return File.Exists(path) ? ActionManifest.TryParse(File.ReadAllBytes(path)) : null;
    }

    /// <summary>Stores an entry under an action key (atomically).</summary>
    public void AddManifest(Sha256Digest key, ActionManifest manifest) => WriteAtomically(ManifestPath(key), manifest.ToJson());

    /// <summary>The key inputs of the step's previous run on this machine, if any.</summary>
    public ActionKeyInputs? PreviousInputs(string stepId)
    {
        var path = HistoryPath(stepId);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<ActionKeyInputs>(File.ReadAllBytes(path)) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Remembers a run's key inputs, for the next <c>--explain</c> of the same step.</summary>
    public void RecordInputs(string stepId, ActionKeyInputs inputs) => WriteAtomically(HistoryPath(stepId), JsonSerializer.SerializeToUtf8Bytes(inputs));

    /// <summary>Removes least recently used blobs until the tier is under 90% of its bound.</summary>
    public void Trim()
    {
        var blobs = new DirectoryInfo(Path.Combine(_root, "cas")).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
        var total = blobs.Sum(b => b.Length);
        if (total <= _maxBytes) return;
        foreach (var blob in blobs.OrderBy(b => b.LastAccessTimeUtc))
        {
            if (total <= _maxBytes * 9 / 10) break;
            total -= blob.Length;
            blob.Delete();
        }
    }

    /// <summary>A step is its command line and declared outputs; its key changes as its inputs do.</summary>
    public static string StepId(ActionDefinition action) =>
        Sha256Digest.Of(Encoding.UTF8.GetBytes(string.Join('\0', action.Command) + "\0\0" + string.Join('\0', action.Outputs.Order(StringComparer.Ordinal)))).Hex;

    private string ManifestPath(Sha256Digest key) => Path.Combine(_root, "ac", key.Hex + ".json");

    private string HistoryPath(string stepId) => Path.Combine(_root, "history", stepId + ".json");

    private static void WriteAtomically(string path, byte[] content)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }
}
