using CacheRegistry.Server.Storage.FileSystem;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Unit;

/// <summary>The filesystem store's cache of open blob files, on real files: bounded, never serving a deleted file, never closing a file under a reader.</summary>
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
        using (var again = cache.TryLease(path)) Assert.Equal(content, ReadAll(again!));

        System.IO.File.Delete(path);

        Assert.Null(cache.TryLease(path));
        Assert.Equal(0, cache.Count);
        Assert.True(handle.IsClosed, "the deleted file's handle is still open: its disk space is not freed");
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
    }

    [Fact]
    public async Task Readers_racing_evictions_and_removals_read_every_file_whole()
    {
        using var cache = new OpenFileCache(capacity: 4, maxLength: 1_024);
        var files = Enumerable.Range(0, 32).Select(File).ToList();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        var reads = 0;
        var readers = Enumerable.Range(0, 4).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            while (DateTime.UtcNow < until)
            {
                var (path, content) = files[random.Next(files.Count)];
                using var stream = new LeasedFileStream(cache.TryLease(path) ?? Open(cache, path));
                Assert.Equal(content, ReadAll(stream));
                Interlocked.Increment(ref reads);
            }
        })).ToList();
        var remover = Task.Run(() =>
        {
            var random = new Random(99);
            while (DateTime.UtcNow < until) cache.Remove(files[random.Next(files.Count)].Path);
        });

        await Task.WhenAll([.. readers, remover]);
        Assert.True(reads > 1_000, $"only {reads} reads: the race proves little");
        Assert.InRange(cache.Count, 0, 4 + 4); // over capacity by at most the readers adding while one trims
    }

    private (string Path, byte[] Content) File(int seed)
    {
        var content = TestData.Random(500, seed);
        var path = Path.Combine(_directory, $"file-{seed}");
        if (!System.IO.File.Exists(path)) System.IO.File.WriteAllBytes(path, content);
        return (path, content);
    }

    private static FileLease Open(OpenFileCache cache, string path)
    {
        var handle = LinuxFiles.OpenRead(path) ?? throw new FileNotFoundException(path);
        return cache.Keep(path, handle, LinuxFiles.Stat(handle).Length);
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
