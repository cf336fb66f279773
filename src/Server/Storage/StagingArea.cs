using CacheRegistry.Server.Configuration;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Storage;

/// <summary>Hands out temporary files for request bodies that are not yet verified.</summary>
public sealed class StagingArea
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromHours(6);

    public StagingArea(IOptions<CacheRegistryOptions> options)
    {
        DirectoryPath = options.Value.StagingDirectoryFullPath;
        Directory.CreateDirectory(DirectoryPath);
        // The staging area belongs to this server alone: at start, whatever is in it is left from a crash.
        foreach (var file in Directory.EnumerateFiles(DirectoryPath, "*.tmp")) File.Delete(file);
    }

    public string DirectoryPath { get; }

    public StagedFile Create() => new(Path.Combine(DirectoryPath, $"{Guid.NewGuid():N}.tmp"));

    /// <summary>Removes files left behind by a crash. Files younger than a few hours may belong to a live upload.</summary>
    public int RemoveStaleFiles()
    {
        var removed = 0;
        foreach (var file in new DirectoryInfo(DirectoryPath).EnumerateFiles("*.tmp"))
        {
            if (DateTime.UtcNow - file.LastWriteTimeUtc < StaleAfter) continue;
            try
            {
                file.Delete();
                removed++;
            }
            catch (IOException)
            {
                // Still in use by another process: it is not stale after all.
            }
        }
        return removed;
    }
}

/// <summary>
/// A temporary file being written or waiting to be committed. Disposing it deletes whatever was not
/// moved into a store, so an abandoned or rejected upload leaves nothing behind.
/// </summary>
public sealed class StagedFile : IAsyncDisposable
{
    private FileStream? _stream;

    internal StagedFile(string path)
    {
        Path = path;
        _stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
    }

    public string Path { get; }

    /// <summary>Bytes written; valid after <see cref="CompleteAsync"/>.</summary>
    public long Length { get; private set; }

    public Stream Stream => _stream ?? throw new InvalidOperationException("The staged file is already complete.");

    /// <summary>Flushes the data to disk (fsync) and closes the file, ready to be committed.</summary>
    public async Task CompleteAsync()
    {
        if (_stream is null) return;
        await _stream.FlushAsync();
        _stream.Flush(flushToDisk: true);
        Length = _stream.Length;
        await _stream.DisposeAsync();
        _stream = null;
    }

    public FileStream OpenRead() =>
        new(Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null)
        {
            await _stream.DisposeAsync();
            _stream = null;
        }
        File.Delete(Path); // no-op once a store has moved the file away
    }
}
