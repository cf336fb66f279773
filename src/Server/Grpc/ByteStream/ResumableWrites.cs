using System.Collections.Concurrent;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Storage;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Grpc.ByteStream;

/// <summary>
/// The bytes of ByteStream writes that may be resumed: each write of a resource that spans several
/// messages appends what it receives to a file in the staging area before the ingest sees it, so a write
/// cut short leaves exactly what was received (QueryWriteStatus's committed size), and a write resumed at
/// that offset replays the file and continues. Kept for <see cref="GrpcOptions.ResumableWriteTimeout"/>
/// after their last use, at most <see cref="GrpcOptions.MaxResumableWrites"/>; local to this server (a
/// write resumed on another replica starts over). Files left by a crash go with the staging area's.
/// </summary>
public sealed class ResumableWrites(StagingArea staging, IOptions<GrpcOptions> options, TimeProvider clock) : IDisposable
{
    private readonly ConcurrentDictionary<string, ResumableWrite> _writes = new(StringComparer.Ordinal);

    public static string KeyOf(BlobResource resource) => $"{resource.Namespace}/{resource.UploadId}/{resource.Blob}";

    public ResumableWrite? Find(string key) => _writes.TryGetValue(key, out var write) ? write : null;

    public ResumableWrite GetOrCreate(string key)
    {
        RemoveExpired();
        return _writes.GetOrAdd(key, k => new ResumableWrite(k, Path.Combine(staging.DirectoryPath, $"reapi-{Guid.NewGuid():N}.tmp"), clock));
    }

    /// <summary>Forgets the write and deletes its bytes (it completed, or cannot complete).</summary>
    public void Remove(ResumableWrite write)
    {
        if (_writes.TryRemove(new KeyValuePair<string, ResumableWrite>(write.Key, write))) write.DeleteFile();
    }

    public void Dispose()
    {
        foreach (var write in _writes.Values) Remove(write);
    }

    private void RemoveExpired()
    {
        var expiredBefore = clock.GetUtcNow() - options.Value.ResumableWriteTimeout;
        var idle = _writes.Values.Where(w => !w.InUse).OrderBy(w => w.LastUsed).ToList();
        var excess = _writes.Count - options.Value.MaxResumableWrites + 1;
        foreach (var write in idle.Where((w, i) => w.LastUsed < expiredBefore || i < excess)) Remove(write);
    }
}

/// <summary>One resumable write: its file of received bytes, and a lock so one Write at a time appends to it.</summary>
public sealed class ResumableWrite(string key, string path, TimeProvider clock)
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private long _committed;

    public string Key { get; } = key;

    /// <summary>Bytes received and kept, from the start of the blob.</summary>
    public long Committed => Interlocked.Read(ref _committed);

    public DateTimeOffset LastUsed { get; private set; } = clock.GetUtcNow();

    public bool InUse => _lock.CurrentCount == 0;

    /// <summary>Holds the write for one Write call; false when another call still holds it after <paramref name="wait"/>.</summary>
    public async Task<bool> TryAcquireAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (!await _lock.WaitAsync(wait, cancellationToken)) return false;
        LastUsed = clock.GetUtcNow();
        return true;
    }

    public void Release()
    {
        LastUsed = clock.GetUtcNow();
        _lock.Release();
    }

    /// <summary>The bytes kept so far, to replay before the resumed part.</summary>
    public Stream OpenCommitted() =>
        new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);

    /// <summary>Appends received bytes; each append counts as committed once written.</summary>
    public async Task AppendAsync(ReadOnlyMemory<byte> data, FileStream file, CancellationToken cancellationToken)
    {
        await file.WriteAsync(data, cancellationToken);
        Interlocked.Add(ref _committed, data.Length);
    }

    public FileStream OpenForAppend()
    {
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous);
        file.SetLength(Committed); // whatever a failed append left past the committed size goes
        file.Seek(0, SeekOrigin.End);
        return file;
    }

    public void DeleteFile() => File.Delete(path);
}
