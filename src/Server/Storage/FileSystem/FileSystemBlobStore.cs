using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Storage;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Storage.FileSystem;

/// <summary>Blobs as files under a root directory, published by rename from the staging area.</summary>
public sealed class FileSystemBlobStore : IBlobStore
{
    private readonly string _root;

    public FileSystemBlobStore(IOptions<StorageOptions> storage, IOptions<CacheRegistryOptions> registry)
    {
        _root = Path.GetFullPath(string.IsNullOrEmpty(storage.Value.Path) ? Path.Combine(registry.Value.DataDirectory, "blobs") : storage.Value.Path);
        Directory.CreateDirectory(_root);
    }

    public string Description => $"directory {_root}";

    public Task<OpenedObject?> OpenReadAsync(StorageKey key, CancellationToken cancellationToken)
    {
        try
        {
            var file = new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
                bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return Task.FromResult<OpenedObject?>(new OpenedObject(file, file.Length));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<OpenedObject?>(null);
        }
    }

    public Task<long?> GetLengthAsync(StorageKey key, CancellationToken cancellationToken)
    {
        var file = new FileInfo(PathOf(key));
        return Task.FromResult(file.Exists ? file.Length : (long?)null);
    }

    public Task PutAsync(StorageKey key, StagedFile content, CancellationToken cancellationToken)
    {
        var target = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // rename(2) publishes the file atomically; the staging area lives on the same filesystem. Blob
        // keys are unique per write; only an upload part sent again replaces its earlier copy.
        File.Move(content.Path, target, overwrite: true);
        return Task.CompletedTask;
    }

    public Task DeleteAsync(StorageKey key, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
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
}
