using System.Diagnostics;
using System.Net;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace CacheRegistry.Tests.Hosting;

/// <summary>
/// The server process runs requests on its sockets' threads (<c>SocketThreads</c>): a request that waits
/// must wait on the thread pool, or every connection sharing its socket thread waits with it.
/// </summary>
public sealed class SocketThreadTests
{
    private const int SocketThreads = 4;
    private const int Connections = 2 * SocketThreads;

    [Fact]
    public async Task Requests_waiting_for_the_database_write_lock_hold_up_no_other_request()
    {
        await using var backend = new SqliteFileSystemBackend();
        await using var server = ServerProcess.Start(new Dictionary<string, string?>(backend.Settings) { ["CacheRegistry:SocketThreads"] = SocketThreads.ToString() });
        await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using var writer = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        // The misses' connections are open before the writes wait: a new connection starts on the thread pool,
        // which the waiting writes may hold up; a connection's requests run on its socket thread.
        using var reader = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(async worker =>
            Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"t/cas/{worker:x64}")).StatusCode)));

        // Another process's transaction holds SQLite's write lock: the server's writes wait (busy_timeout) until it ends.
        await using var other = new SqliteConnection($"Data Source={Path.Combine(backend.DataDirectory, "cacheregistry.db")};Pooling=False");
        await other.OpenAsync();
        await using (var begin = other.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
        }
        // More connections than the server has socket threads (each connection stays on one), each starting an
        // upload session: a database write.
        var waiting = Enumerable.Range(0, Connections).Select(_ => writer.PostAsync("t/api/v1/uploads", null)).ToList();
        await Task.Delay(500);
        Assert.All(waiting, write => Assert.False(write.IsCompleted, "a write finished while another process held the write lock"));

        // Meanwhile misses on as many connections are answered at once: they need no database.
        var slowest = TimeSpan.Zero;
        var misses = 0;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; DateTime.UtcNow < until; i++)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await reader.GetAsync($"t/cas/{worker:x4}{i:x60}");
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                var took = Stopwatch.GetElapsedTime(started);
                lock (waiting)
                {
                    misses++;
                    if (took > slowest) slowest = took;
                }
            }
        })));
        Assert.All(waiting, write => Assert.False(write.IsCompleted, "the write lock was released early: the test proves nothing"));
        Assert.True(slowest < TimeSpan.FromSeconds(1), $"a miss took {slowest.TotalMilliseconds:0} ms while writes waited for the database ({misses} misses)");

        await using (var rollback = other.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }
        foreach (var write in waiting)
        {
            using var response = await write;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }
}
