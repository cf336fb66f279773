using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;

namespace CacheRegistry.Server.Storage.FileSystem;

/// <summary>
/// Read handles of recently read small blob files, so a hit reads without opening its file. A blob file
/// never changes (no key is used twice), so a cached handle reads exactly the bytes its key names. One
/// deleted since (by this server's GC, another replica's, or an operator) has no name left; a lease
/// checks that first, and the caller opens the path afresh and finds nothing. The cache holds at most
/// its capacity of handles, of files up to its length limit, so the disk space
/// of files deleted behind its back is bounded until their handles are let go.
/// </summary>
internal sealed class OpenFileCache : IDisposable
{
    private readonly ConcurrentDictionary<string, CachedFile> _files = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly long _maxLength;
    private int _count;
    private int _trimming;

    public OpenFileCache(int capacity, long maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _capacity = capacity;
        _maxLength = maxLength;
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// A lease on the cached handle of the file at the path, if one is cached and the file still has its
    /// name, with the file's length now (a file changed behind the server's back reads as what it is now).
    /// </summary>
    public FileLease? TryLease(string path)
    {
        if (!_files.TryGetValue(path, out var file) || !FileLease.TryHold(file.Handle)) return null; // not cached, or let go of a moment ago
        var held = true;
        try
        {
            var (length, links) = LinuxFiles.Stat(file.Handle);
            if (links == 0)
            {
                Remove(path, file);
                return null;
            }
            file.LastUsed = Environment.TickCount64;
            held = false;
            return FileLease.Held(file.Handle, length);
        }
        finally
        {
            if (held) file.Handle.DangerousRelease();
        }
    }

    /// <summary>
    /// A lease on the handle just opened, which the cache keeps when the file is small enough and there
    /// is room (or room can be made); otherwise the lease owns the handle alone.
    /// </summary>
    public FileLease Keep(string path, SafeFileHandle handle, long length)
    {
        if (_capacity == 0 || length > _maxLength) return FileLease.Owning(handle, length);
        // Held before the cache can let go of it: a trim may evict it at once.
        FileLease.TryHold(handle);
        var file = new CachedFile(handle) { LastUsed = Environment.TickCount64 };
        if (!_files.TryAdd(path, file))
        {
            handle.DangerousRelease();
            return FileLease.Owning(handle, length);
        }
        if (Interlocked.Increment(ref _count) > _capacity) Trim();
        return FileLease.Held(handle, length);
    }

    /// <summary>Lets go of the file's handle (its blob was deleted); readers holding a lease finish first.</summary>
    public void Remove(string path)
    {
        if (_files.TryRemove(path, out var file)) LetGo(file);
    }

    private void Remove(string path, CachedFile file)
    {
        if (_files.TryRemove(new KeyValuePair<string, CachedFile>(path, file))) LetGo(file);
    }

    private void LetGo(CachedFile file)
    {
        Interlocked.Decrement(ref _count);
        file.Handle.Dispose();
    }

    // The least recently used quarter goes, by one caller at a time; the others carry on over capacity meanwhile.
    private void Trim()
    {
        if (Interlocked.Exchange(ref _trimming, 1) == 1) return;
        try
        {
            var excess = Count - _capacity * 3 / 4;
            if (excess <= 0) return;
            foreach (var (path, file) in _files.ToArray().OrderBy(f => f.Value.LastUsed).Take(excess)) Remove(path, file);
        }
        finally
        {
            Volatile.Write(ref _trimming, 0);
        }
    }

    public void Dispose()
    {
        foreach (var (path, file) in _files.ToArray()) Remove(path, file);
    }

    private sealed class CachedFile(SafeFileHandle handle)
    {
        public SafeFileHandle Handle { get; } = handle;

        public long LastUsed { get; set; }
    }
}

/// <summary>
/// A hold on an open file for one read: the handle stays open until the lease ends, even if the cache
/// lets go of it meanwhile. A lease that owns its handle closes it at the end.
/// </summary>
internal sealed class FileLease : IDisposable
{
    private readonly bool _owns;
    private int _ended;

    private FileLease(SafeFileHandle handle, long length, bool owns)
    {
        Handle = handle;
        Length = length;
        _owns = owns;
    }

    public SafeFileHandle Handle { get; }

    public long Length { get; }

    /// <summary>A lease that closes the handle when it ends.</summary>
    public static FileLease Owning(SafeFileHandle handle, long length) => new(handle, length, owns: true);

    /// <summary>A lease on a handle already held (<see cref="TryHold"/>): it lets go of that hold when it ends.</summary>
    public static FileLease Held(SafeFileHandle handle, long length) => new(handle, length, owns: false);

    /// <summary>Keeps the handle open until a matching release, even if it is disposed meanwhile; false when it is closed already.</summary>
    public static bool TryHold(SafeFileHandle handle)
    {
        var held = false;
        try
        {
            handle.DangerousAddRef(ref held);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        return held;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _ended, 1) == 1) return;
        if (_owns) Handle.Dispose();
        else Handle.DangerousRelease();
    }
}
