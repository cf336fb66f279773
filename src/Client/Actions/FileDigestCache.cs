using System.Collections.Concurrent;
using System.Text.Json;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Client.Actions;

/// <summary>
/// Remembers file digests by (full path, size, modification time), so that hashing a large
/// unchanged tree again costs a stat per file. Persisted as one JSON file in the local cache.
/// </summary>
public sealed class FileDigestCache(string? storePath)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = Load(storePath);
    private bool _changed;

    /// <summary>The file's digest and size: remembered if the file is unchanged, else hashed now.</summary>
    public async Task<(Sha256Digest Digest, long Size)> DigestAsync(string fullPath, CancellationToken cancellationToken)
    {
        var info = new FileInfo(fullPath);
        var ticks = info.LastWriteTimeUtc.Ticks;
        if (_entries.TryGetValue(fullPath, out var known) && known.Size == info.Length && known.ModifiedTicks == ticks
            && Sha256Digest.TryParse(known.Digest, out var cached))
        {
            return (cached, known.Size);
        }
        var (digest, size) = await Sha256Digest.OfFileAsync(fullPath, cancellationToken);
        _entries[fullPath] = new Entry(info.Length, ticks, digest.Hex);
        _changed = true;
        return (digest, size);
    }

    /// <summary>Writes what was learned back to the store (atomically), if anything was.</summary>
    public async Task SaveAsync()
    {
        if (storePath is null || !_changed) return;
        Directory.CreateDirectory(Path.GetDirectoryName(storePath)!);
        var temporary = storePath + $".{Environment.ProcessId}.tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(_entries));
        File.Move(temporary, storePath, overwrite: true);
    }

    private static ConcurrentDictionary<string, Entry> Load(string? path)
    {
        try
        {
            if (path is not null && File.Exists(path))
            {
                return JsonSerializer.Deserialize<ConcurrentDictionary<string, Entry>>(File.ReadAllText(path)) ?? new();
            }
        }
        catch (JsonException)
        {
            // A damaged cache file only costs re-hashing.
        }
        return new();
    }

    private sealed record Entry(long Size, long ModifiedTicks, string Digest);
}
