using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Storage;
using CacheRegistry.Server.Storage.FileSystem;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Tests.Unit;

/// <summary>
/// The filesystem store's cache of open blob files, on real files: bounded, never serving a file that is
/// no longer at its path, never closing a file under a reader, never holding a deleted file's space for long.
/// </summary>
public sealed class OpenFileCacheTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("open-files-").FullName;

    [Fact]
    public void A_file_deleted_since_it_was_cached_is_not_leased_and_its_handle_is_closed()
    {
        using var cache = new OpenFileCache(capacity: 8, maxLength: 1_024);
        var (path, content) = File(0);
        var opened = Open(cache, path);
        var handle = opened.Handle;
        Assert.Equal(content, ReadAll(opened));
        Assert.Equal(content, ReadAll(cache.TryLease(path)!));

        System.IO.File.Delete(path);

        Assert.Null(cache.TryLease(path));
        Assert.Equal(0, cache.Count);
        Assert.True(handle.IsClosed, "the deleted file's handle is still open: its disk space is not freed");
    }

    [Fact]
    public void A_file_moved_away_or_replaced_at_its_path_is_not_leased()
    {
        using var cache = new OpenFileCache(capacity: 8, maxLength: 1_024);
        var (moved, _) = File(0);
        var movedHandle = Leased(cache, moved);
        System.IO.File.Move(moved, moved + ".elsewhere"); // still has a name, just not this one
        Assert.Null(cache.TryLease(moved));
        Assert.True(movedHandle.IsClosed);

        var (replaced, _) = File(1);
        var replacedHandle = Leased(cache, replaced);
        System.IO.File.Move(File(2).Path, replaced, overwrite: true);
        Assert.Null(cache.TryLease(replaced));
        Assert.True(replacedHandle.IsClosed);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void A_file_deleted_between_its_open_and_its_caching_is_read_but_not_kept()
    {
        using var cache = new OpenFileCache(capacity: 8, maxLength: 1_024);
        var (path, content) = File(0);
        var handle = LinuxFiles.OpenRead(path)!;
        var identity = LinuxFiles.Stat(handle);
        System.IO.File.Delete(path); // the GC's delete let go of nothing: nothing was cached yet

        var lease = cache.LeaseOpened(path, handle, identity);

        Assert.Equal(0, cache.Count);
        Assert.Equal(content, ReadAll(lease));
        Assert.True(handle.IsClosed);
    }

    [Fact]
    public void A_lease_reads_the_length_the_file_has_now()
    {
        using var cache = new OpenFileCache(capacity: 8, maxLength: 1_024);
        var (path, content) = File(0);
        Open(cache, path).Dispose();
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write)) stream.SetLength(100); // in place, behind the cache's back

        using var lease = cache.TryLease(path);
        Assert.Equal(100, lease!.Length);
        Assert.Equal(content[..100], ReadAll(lease));
    }

    [Fact]
    public void The_cache_keeps_at_most_its_capacity_and_closes_what_it_lets_go_of()
    {
        using var cache = new OpenFileCache(capacity: 8, maxLength: 1_024);
        var handles = new List<Microsoft.Win32.SafeHandles.SafeFileHandle>();
        for (var i = 0; i < 50; i++)
        {
            using var lease = Open(cache, File(i).Path);
            handles.Add(lease.Handle);
        }

        Assert.InRange(cache.Count, 1, 8);
        Assert.Equal(50 - cache.Count, handles.Count(h => h.IsClosed));
    }

    [Fact]
    public void Handles_not_leased_for_a_while_are_let_go_of()
    {
        using var cache = new OpenFileCache(capacity: 8, maxLength: 1_024);
        var handle = Leased(cache, File(0).Path);
        Assert.Equal(1, cache.Count);

        cache.LetGoOfIdle(TimeSpan.Zero);

        Assert.Equal(0, cache.Count);
        Assert.True(handle.IsClosed);
    }

    [Fact]
    public void A_file_larger_than_the_limit_is_read_but_not_kept()
    {
        using var cache = new OpenFileCache(capacity: 8, maxLength: 100);
        var (path, content) = File(0);
        var lease = Open(cache, path);
        Assert.Equal(content, ReadAll(lease));
        Assert.Equal(0, cache.Count);
        Assert.True(lease.Handle.IsClosed);
    }

    [Fact]
    public void A_reader_finishes_its_file_though_the_cache_lets_go_of_it_midway()
    {
        using var cache = new OpenFileCache(capacity: 1, maxLength: 1_024);
        var (path, content) = File(0);
        var lease = Open(cache, path);
        using var stream = new LeasedFileStream(lease);
        var first = new byte[10];
        stream.ReadExactly(first);

        cache.Remove(path);
        using (Open(cache, File(1).Path)) { }

        Assert.False(lease.Handle.IsClosed, "the handle closed under its reader");
        var rest = new byte[content.Length - 10];
        stream.ReadExactly(rest);
        Assert.Equal(content, first.Concat(rest).ToArray());
        stream.Dispose();
        Assert.True(lease.Handle.IsClosed);
        Assert.Throws<ObjectDisposedException>(() => stream.ReadByte());
    }

    [Fact]
    public async Task Readers_racing_evictions_removals_and_replaced_files_read_every_file_whole()
    {
        using var cache = new OpenFileCache(capacity: 4, maxLength: 1_024);
        var files = Enumerable.Range(0, 32).Select(File).ToList();
        var handles = new System.Collections.Concurrent.ConcurrentBag<Microsoft.Win32.SafeHandles.SafeFileHandle>();
        var readersDone = 0;
        var readers = Enumerable.Range(0, 4).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            for (var i = 0; i < 3_000; i++)
            {
                var (path, content) = files[random.Next(files.Count)];
                var lease = cache.TryLease(path) ?? TryOpen(cache, path);
                if (lease is null) continue; // between a replacement's delete and its rename
                handles.Add(lease.Handle);
                Assert.Equal(content, ReadAll(lease));
            }
            Interlocked.Increment(ref readersDone);
        })).ToList();
        var replacer = Task.Run(() =>
        {
            // The same bytes in a new file (a new inode) at the path, and removals as the GC's deletes make them.
            var random = new Random(99);
            while (Volatile.Read(ref readersDone) < 4)
            {
                var (path, content) = files[random.Next(files.Count)];
                System.IO.File.WriteAllBytes(path + ".new", content);
                System.IO.File.Move(path + ".new", path, overwrite: true);
                cache.Remove(files[random.Next(files.Count)].Path);
            }
        });

        await Task.WhenAll([.. readers, replacer]);
        cache.Dispose();
        Assert.All(handles, handle => Assert.True(handle.IsClosed, "a handle outlived the cache and its leases"));
    }

    [Fact]
    public async Task The_stores_delete_closes_the_blobs_cached_handle_at_once()
    {
        var root = Path.Combine(_directory, "blobs");
        using var store = new FileSystemBlobStore(Options.Create(new StorageOptions { Path = root }), Options.Create(new CacheRegistryOptions()));
        var content = TestData.Random(500, seed: 1);
        var key = StorageKey.ForNewBlob(Sha256Digest.Of(content), BlobEncoding.Identity);
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(content.Length);
        content.CopyTo(rented, 0);
        await store.PutAsync(key, new StagedBytes(rented, content.Length), CancellationToken.None);
        await using (var opened = await store.OpenReadAsync(key, CancellationToken.None)) Assert.Equal(content, ReadAll(opened!.Content));
        Assert.Contains(OpenFilesUnder(root), target => target.EndsWith(key.Value, StringComparison.Ordinal));

        await store.DeleteAsync(key, CancellationToken.None);

        Assert.DoesNotContain(OpenFilesUnder(root), target => target.Contains(key.Value, StringComparison.Ordinal));
    }

    private static List<string> OpenFilesUnder(string root) =>
        [.. new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Select(fd => fd.LinkTarget ?? "").Where(target => target.StartsWith(root, StringComparison.Ordinal))];

    private (string Path, byte[] Content) File(int seed)
    {
        var content = TestData.Random(500, seed);
        var path = Path.Combine(_directory, $"file-{seed}");
        if (!System.IO.File.Exists(path)) System.IO.File.WriteAllBytes(path, content);
        return (path, content);
    }

    // The handle of a file read once (its lease ended), which the cache keeps.
    private static Microsoft.Win32.SafeHandles.SafeFileHandle Leased(OpenFileCache cache, string path)
    {
        using var lease = Open(cache, path);
        return lease.Handle;
    }

    private static FileLease Open(OpenFileCache cache, string path) => TryOpen(cache, path) ?? throw new FileNotFoundException(path);

    private static FileLease? TryOpen(OpenFileCache cache, string path)
    {
        var handle = LinuxFiles.OpenRead(path);
        return handle is null ? null : cache.LeaseOpened(path, handle, LinuxFiles.Stat(handle));
    }

    private static byte[] ReadAll(FileLease lease)
    {
        using var stream = new LeasedFileStream(lease);
        return ReadAll(stream);
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
