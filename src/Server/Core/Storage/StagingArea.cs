using CacheRegistry.Server.Configuration;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Core.Storage;

/// <summary>Hands out temporary files for request bodies that are not yet verified.</summary>
public sealed class StagingArea
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromHours(6);

    public StagingArea(IOptions<CacheRegistryOptions> options)
    {
        DirectoryPath = options.Value.StagingDirectoryFullPath;
        Directory.CreateDirectory(DirectoryPath);
    }

    public string DirectoryPath { get; }

    /// <summary>Bytes free on the staging area's filesystem.</summary>
    public long FreeBytes => new DriveInfo(DirectoryPath).AvailableFreeSpace;

    public StagedFile Create()
    {
        try
        {
            return new StagedFile(Path.Combine(DirectoryPath, $"{Guid.NewGuid():N}.tmp"));
        }
        catch (IOException e) when (DiskErrors.IsDiskFull(e))
        {
            throw DiskErrors.Full(e);
        }
    }

    /// <summary>
    /// Removes every staged file: at start, whatever is here was left by a crash (the data directory
    /// lock guarantees no other server uses this staging area).
    /// </summary>
    public int RemoveLeftovers() => Remove(_ => true);

    /// <summary>Removes files left behind by a crash while running. Files younger than a few hours may belong to a live upload.</summary>
    public int RemoveStaleFiles() => Remove(file => DateTime.UtcNow - file.LastWriteTimeUtc >= StaleAfter);

    private int Remove(Func<FileInfo, bool> predicate)
    {
        var removed = 0;
        foreach (var file in new DirectoryInfo(DirectoryPath).EnumerateFiles("*.tmp"))
        {
            if (!predicate(file)) continue;
            try
            {
                file.Delete();
                removed++;
            }
            catch (IOException)
            {
                // Still in use: it is not stale after all.
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
        try
        {
            await _stream.FlushAsync();
            _stream.Flush(flushToDisk: true);
        }
        catch (IOException e) when (DiskErrors.IsDiskFull(e))
        {
            throw DiskErrors.Full(e);
        }
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
            try
            {
                await _stream.DisposeAsync();
            }
            catch (IOException)
            {
                // A write that failed (a full disk) fails its flush again here; the file goes anyway.
            }
            _stream = null;
        }
        File.Delete(Path); // no-op once a store has moved the file away
    }
}

/// <summary>Recognises a full disk (ENOSPC, EDQUOT) behind an I/O error.</summary>
public static class DiskErrors
{
    private const int NoSpace = 28, QuotaExceeded = 122;

    public static bool IsDiskFull(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is IOException { HResult: NoSpace or QuotaExceeded } || e.Message.Contains("No space left on device", StringComparison.Ordinal)) return true;
        }
        return false;
    }

    public static Errors.DomainException Full(Exception inner) =>
        new(Errors.DomainErrorKind.InsufficientStorage, "the server's disk is full", inner);
}
