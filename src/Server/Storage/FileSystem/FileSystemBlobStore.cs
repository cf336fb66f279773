using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Storage;
using CacheRegistry.Server.Core.Threading;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Storage.FileSystem;

/// <summary>Blobs as files under a root directory, published by rename from the staging area.</summary>
public sealed class FileSystemBlobStore : IBlobStore, IDisposable
{
    // A hit on a small blob reads through a cached handle: two calls (statx of the path, pread) instead of
    // opening and closing the file. Null where the Linux calls are not available: .NET's FileStream then.
    private const long CachedFileMaxLength = 256 * 1024;

    private readonly string _root;
    private readonly OpenFileCache? _openFiles;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _knownDirectories = new(StringComparer.Ordinal);

    public FileSystemBlobStore(IOptions<StorageOptions> storage, IOptions<CacheRegistryOptions> registry)
    {
        _root = RootOf(storage.Value, registry.Value);
        Directory.CreateDirectory(_root);
        if (LinuxFiles.WorkUnder(_root)) _openFiles = new OpenFileCache(OpenFileCache.CapacityWithin(LinuxFiles.OpenFilesLimit()), CachedFileMaxLength);
    }

    public static string RootOf(StorageOptions storage, CacheRegistryOptions registry) =>
        Path.GetFullPath(string.IsNullOrEmpty(storage.Path) ? Path.Combine(registry.DataDirectory, "blobs") : storage.Path);

    public string Description => $"directory {_root}";

    public Task<OpenedObject?> OpenReadAsync(StorageKey key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        if (_openFiles is null) return Task.FromResult(OpenWithFileStream(path));
        var lease = _openFiles.TryLease(path) ?? Open(_openFiles, path, cacheable: key.IsBlob);
        return Task.FromResult(lease is null ? null : new OpenedObject(new LeasedFileStream(lease), lease.Length, IsLocal: true));
    }

    private static FileLease? Open(OpenFileCache openFiles, string path, bool cacheable)
    {
        var handle = LinuxFiles.OpenRead(path);
        if (handle is null) return null;
        try
        {
            var identity = LinuxFiles.Stat(handle);
            // Upload parts are the one kind of object written again: only blobs, which never change, are cached.
            return cacheable ? openFiles.LeaseOpened(path, handle, identity) : FileLease.Owning(handle, identity.Length);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static OpenedObject? OpenWithFileStream(string path)
    {
        try
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
                bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return new OpenedObject(file, file.Length, IsLocal: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public Task<long?> GetLengthAsync(StorageKey key, CancellationToken cancellationToken)
    {
        var file = new FileInfo(PathOf(key));
        return Task.FromResult(file.Exists ? file.Length : (long?)null);
    }

    public async Task PutAsync(StorageKey key, StagedContent content, CancellationToken cancellationToken)
    {
        await SocketThreads.Leave(); // creating or renaming a file can wait on the filesystem's journal
        var target = PathOf(key);
        try
        {
            Publish(content, target);
        }
        catch (DirectoryNotFoundException)
        {
            _knownDirectories.TryRemove(Path.GetDirectoryName(target)!, out _); // removed behind our back: create it again
            Publish(content, target);
        }
    }

    private void Publish(StagedContent content, string target)
    {
        EnsureDirectoryOf(target);
        switch (content)
        {
            case StagedFile file:
                // rename(2) publishes the file atomically; the staging area lives on the same filesystem. Blob
                // keys are unique per write; only an upload part sent again replaces its earlier copy.
                File.Move(file.Path, target, overwrite: true);
                break;
            case StagedBytes bytes:
                // A small blob is written in place under its new, unique key: no staging file, no rename.
                try
                {
                    using var handle = OpenNew(target);
                    RandomAccess.Write(handle, bytes.Memory.Span, fileOffset: 0);
                }
                catch (IOException e) when (DiskErrors.IsDiskFull(e))
                {
                    File.Delete(target);
                    throw DiskErrors.Full(e);
                }
                break;
            default:
                throw new ArgumentException($"unknown staged content {content.GetType().Name}", nameof(content));
        }
    }

    // CreateNew: FileMode.Create truncates the new file, and on ext4 a truncated file's blocks are
    // allocated synchronously when it is closed (auto_da_alloc), which made close(2) the costliest call
    // of a small upload. Only an upload part sent again finds its key taken, and replaces its copy.
    private static Microsoft.Win32.SafeHandles.SafeFileHandle OpenNew(string target)
    {
        try
        {
            return File.OpenHandle(target, FileMode.CreateNew, FileAccess.Write);
        }
        catch (IOException) when (File.Exists(target))
        {
            return File.OpenHandle(target, FileMode.Create, FileAccess.Write);
        }
    }

    // Objects spread over a few hundred directories (cas/ab/…): each is created once, not checked on every put.
    private void EnsureDirectoryOf(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (_knownDirectories.ContainsKey(directory)) return;
        Directory.CreateDirectory(directory);
        _knownDirectories.TryAdd(directory, 0);
    }

    public async Task DeleteAsync(StorageKey key, CancellationToken cancellationToken)
    {
        await SocketThreads.Leave();
        var path = PathOf(key);
        File.Delete(path);
        _openFiles?.Remove(path);
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var directory = Path.Combine(_root, prefix.TrimEnd('/'));
        if (!Directory.Exists(directory)) yield break;
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new StoredObject(Path.GetRelativePath(_root, file.FullName).Replace(Path.DirectorySeparatorChar, '/'), file.Length, file.LastWriteTimeUtc);
        }
        await Task.CompletedTask;
    }

    public Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_root)) throw new DirectoryNotFoundException($"blob directory {_root} is missing");
        return Task.CompletedTask;
    }

    private string PathOf(StorageKey key) => Path.Combine(_root, key.Value);

    public void Dispose() => _openFiles?.Dispose();
}
