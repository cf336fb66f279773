using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Integrity;

/// <summary>
/// The embedded database's write-ahead log is checkpointed beside the writer: committed pages reach the
/// database file while the log is far below the size at which any connection checkpoints inside a commit.
/// </summary>
public sealed class WalCheckpointTests
{
    [Fact]
    public async Task Committed_pages_reach_the_database_file_beside_the_writer()
    {
        await using var backend = new SqliteFileSystemBackend();
        await using var server = await TestServer.StartAsync(backend.Settings);
        var database = new FileInfo(backend.DatabaseFile);
        var settled = await WaitAsync(TimeSpan.FromSeconds(10), () => LastWrite(database) < DateTime.UtcNow - TimeSpan.FromSeconds(1));
        Assert.True(settled, "the database file kept changing after the start");
        var before = LastWrite(database);

        for (var i = 0; i < 30; i++)
        {
            var blob = TestData.Random(1_024, seed: 700 + i);
            (await server.Http.PutAsync($"t/cas/{TestData.Digest(blob)}", new ByteArrayContent(blob))).EnsureSuccessStatusCode();
        }

        // Every connection checkpoints inside a commit only past 16,000 log pages: this log holds far fewer.
        var log = new FileInfo(database.FullName + "-wal");
        Assert.True(log.Length < 1_000 * (4_096 + 24), $"the log holds {log.Length / 4_120} pages");
        Assert.True(await WaitAsync(TimeSpan.FromSeconds(10), () => LastWrite(database) > before), "nothing was checkpointed into the database file");
    }

    private static DateTime LastWrite(FileInfo file)
    {
        file.Refresh();
        return file.LastWriteTimeUtc;
    }

    private static async Task<bool> WaitAsync(TimeSpan limit, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50);
        }
        return true;
    }
}
