using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Threading;
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

    public async Task<StagedFile> CreateAsync()
    {
        await SocketThreads.Leave(); // creating a file can wait on the filesystem's journal
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
/// Verified content waiting to be published under a storage key: a staged file, or a small body held in
/// a pooled buffer. Disposing it frees whatever was not published.
/// </summary>
public abstract class StagedContent : IAsyncDisposable
{
    /// <summary>Bytes to publish; valid once the content is complete.</summary>
    public abstract long Length { get; }

    public abstract Stream OpenRead();

    public abstract ValueTask DisposeAsync();
}

/// <summary>A small body in a rented buffer (at most one read block): published without a staging file.</summary>
public sealed class StagedBytes : StagedContent
{
    private byte[]? _buffer;
    private readonly int _length;

    /// <param name="rented">An array rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/>; this takes it over.</param>
    public StagedBytes(byte[] rented, int length)
    {
        _buffer = rented;
        _length = length;
    }

    public override long Length => _length;

    public ReadOnlyMemory<byte> Memory => (_buffer ?? throw new ObjectDisposedException(nameof(StagedBytes))).AsMemory(0, _length);

    public override Stream OpenRead() => new MemoryStream(_buffer ?? throw new ObjectDisposedException(nameof(StagedBytes)), 0, _length, writable: false);

    public override ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer) System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A temporary file being written or waiting to be committed. Disposing it deletes whatever was not
/// moved into a store, so an abandoned or rejected upload leaves nothing behind.
/// </summary>
public sealed class StagedFile : StagedContent
{
    private FileStream? _stream;
    private long _length;

    internal StagedFile(string path)
    {
        Path = path;
        _stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
    }

    public string Path { get; }

    /// <summary>Bytes written; valid after <see cref="CompleteAsync"/>.</summary>
    public override long Length => _length;

    public Stream Stream => _stream ?? throw new InvalidOperationException("The staged file is already complete.");

    /// <summary>
    /// Closes the file, ready to be committed. It is not forced to disk here: what a crash of the server
    /// process leaves in the page cache reaches the disk regardless, and the durability flush
    /// bounds what a power loss can take.
    /// </summary>
    public async Task CompleteAsync()
    {
        if (_stream is null) return;
        await SocketThreads.Leave(); // closing a file can wait on the filesystem
        try
        {
            await _stream.FlushAsync();
        }
        catch (IOException e) when (DiskErrors.IsDiskFull(e))
        {
            throw DiskErrors.Full(e);
        }
        _length = _stream.Length;
        await _stream.DisposeAsync();
        _stream = null;
    }

    public override Stream OpenRead() =>
        new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);

    public override async ValueTask DisposeAsync()
    {
        await SocketThreads.Leave(); // closing and deleting a file can wait on the filesystem
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
