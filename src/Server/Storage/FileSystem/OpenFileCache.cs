using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;

namespace CacheRegistry.Server.Storage.FileSystem;

/// <summary>
/// Read handles of recently read small blob files, so a hit reads without opening its file. A blob file
/// never changes (no key is used twice), so a cached handle reads exactly the bytes its key names, as long
/// as it is still the file at its path: each lease checks that with one statx of the path, and a file
/// deleted, moved or replaced since (by this server's GC, another replica's, an operator) is let go of, and
/// the caller opens the path afresh. The cache holds at most its capacity of handles, of files up to its
/// length limit, and lets go of one unused for <see cref="IdleLimit"/>, so a file deleted behind its back
/// and never read again holds its disk space for a minute or two at most.
/// </summary>
internal sealed class OpenFileCache : IDisposable
{
    public const int MaxCapacity = 1024;
    public static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, CachedFile> _files = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly long _maxLength;
    private readonly Timer _idleSweep;
    private int _count;
    private int _trimming;

    public OpenFileCache(int capacity, long maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _capacity = capacity;
        _maxLength = maxLength;
        _idleSweep = new Timer(static cache => ((OpenFileCache)cache!).LetGoOfIdle(IdleLimit), this, IdleLimit / 2, IdleLimit / 2);
    }

    /// <summary>A capacity that leaves most of the process's file descriptors to connections: a quarter of its limit, at most <see cref="MaxCapacity"/>.</summary>
    public static int CapacityWithin(long openFilesLimit) => (int)Math.Clamp(openFilesLimit / 4, 0, MaxCapacity);

    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// A lease on the cached handle of the file at the path, if one is cached and it is still the file
    /// there, with the file's length now (a file cut short in place reads as what it is now). Null
    /// otherwise: the caller opens the path, and finds nothing, or the file there now.
    /// </summary>
    public FileLease? TryLease(string path)
    {
        if (!_files.TryGetValue(path, out var file) || !FileLease.TryHold(file.Handle)) return null; // not cached, or let go of a moment ago
        var leased = false;
        try
        {
            if (!LinuxFiles.TryStat(path, out var now) || !now.IsSameFile(file.Identity))
            {
                RemoveIfCurrent(path, file);
                return null;
            }
            file.LastUsed = Environment.TickCount64;
            leased = true;
            return FileLease.Held(file.Handle, now.Length);
        }
        catch (IOException)
        {
            RemoveIfCurrent(path, file); // the fresh open then answers however the filesystem does
            return null;
        }
        finally
        {
            if (!leased) file.Handle.DangerousRelease();
        }
    }

    /// <summary>
    /// A lease on a handle just opened at the path. The cache keeps the handle too when the file is small
    /// enough and still at the path (a delete between the open and now has already let go of what the
    /// cache held); otherwise the lease owns the handle alone.
    /// </summary>
    public FileLease LeaseOpened(string path, SafeFileHandle handle, FileIdentity identity)
    {
        if (_capacity == 0 || identity.Length > _maxLength) return FileLease.Owning(handle, identity.Length);
        var held = false;
        handle.DangerousAddRef(ref held); // a handle just opened is never closed: this holds it for the lease
        var file = new CachedFile(handle, identity) { LastUsed = Environment.TickCount64 };
        if (!_files.TryAdd(path, file))
        {
            handle.DangerousRelease();
            return FileLease.Owning(handle, identity.Length);
        }
        Interlocked.Increment(ref _count);
        try
        {
            if (!LinuxFiles.TryStat(path, out var now) || !now.IsSameFile(identity)) RemoveIfCurrent(path, file);
        }
        catch (IOException)
        {
            RemoveIfCurrent(path, file);
        }
        if (Count > _capacity) Trim();
        return FileLease.Held(handle, identity.Length);
    }

    /// <summary>Lets go of the file's handle (its blob was deleted); readers holding a lease finish first.</summary>
    public void Remove(string path)
    {
        if (_files.TryRemove(path, out var file)) LetGo(file);
    }

    /// <summary>Lets go of every handle not leased for <paramref name="idle"/> (run by a timer; tests call it).</summary>
    public void LetGoOfIdle(TimeSpan idle)
    {
        var cutoff = Environment.TickCount64 - (long)idle.TotalMilliseconds;
        foreach (var (path, file) in _files)
        {
            if (file.LastUsed <= cutoff) RemoveIfCurrent(path, file);
        }
    }

    // Only the entry that was looked at: another reader may have cached the path's new file meanwhile.
    private void RemoveIfCurrent(string path, CachedFile file)
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
            foreach (var (path, file) in _files.ToArray().OrderBy(f => f.Value.LastUsed).Take(excess)) RemoveIfCurrent(path, file);
        }
        finally
        {
            Volatile.Write(ref _trimming, 0);
        }
    }

    public void Dispose()
    {
        _idleSweep.Dispose();
        foreach (var (path, file) in _files.ToArray()) RemoveIfCurrent(path, file);
    }

    private sealed class CachedFile(SafeFileHandle handle, FileIdentity identity)
    {
        public SafeFileHandle Handle { get; } = handle;

        public FileIdentity Identity { get; } = identity;

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
