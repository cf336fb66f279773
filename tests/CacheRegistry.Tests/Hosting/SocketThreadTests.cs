using System.Diagnostics;
using System.Net;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace CacheRegistry.Tests.Hosting;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing: alone, so that the machine's other tests do not decide a latency";
}

/// <summary>
/// The server process runs cache reads on its sockets' threads (Hosting/SocketThreadHosting): a read that
/// waits must wait on the thread pool, or every connection sharing its socket thread waits with it.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class SocketThreadTests
{
    private const int SocketThreads = 4;
    private const int Connections = 2 * SocketThreads;
    private const string EmptyBlob = "t/cas/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public async Task Reads_waiting_for_the_database_write_lock_hold_up_no_other_read()
    {
        await using var backend = new SqliteFileSystemBackend();
        await using var server = ServerProcess.Start(new Dictionary<string, string?>(backend.Settings) { ["CacheRegistry:SocketThreads"] = SocketThreads.ToString() });
        await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using var setup = new HttpClient { BaseAddress = server.BaseAddress };
        var blobs = Enumerable.Range(0, Connections).Select(i => TestData.Random(5_000, i)).ToList(); // files (not inline): over 4 KiB
        foreach (var blob in blobs) (await setup.PutAsync($"t/cas/{TestData.Digest(blob)}", new ByteArrayContent(blob))).EnsureSuccessStatusCode();

        // One connection per client, open first: a connection's requests then run on its socket thread (a new
        // connection starts on the thread pool). The empty blob needs no database, filter or disk.
        var forgetters = await ConnectedClientsAsync(server.BaseAddress);
        var readers = await ConnectedClientsAsync(server.BaseAddress);

        // The blobs' files vanish, so reading one makes the server forget it: a database write.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(backend.DataDirectory, "blobs"), "*", SearchOption.AllDirectories)) File.Delete(file);
        // Another connection's transaction holds SQLite's write lock: those writes wait (busy_timeout) until it ends.
        await using var other = new SqliteConnection($"Data Source={backend.DatabaseFile};Pooling=False");
        await other.OpenAsync();
        await ExecuteAsync(other, "BEGIN IMMEDIATE");
        var waiting = blobs.Select((blob, i) => forgetters[i].GetAsync($"t/cas/{TestData.Digest(blob)}")).ToList();
        await Task.Delay(500);
        Assert.All(waiting, read => Assert.False(read.IsCompleted, "a read finished without waiting for the database: the test proves nothing"));

        // Meanwhile reads on as many other connections are answered at once.
        var slowest = TimeSpan.Zero;
        var reads = 0;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        await Task.WhenAll(readers.Select(reader => Task.Run(async () =>
        {
            while (DateTime.UtcNow < until)
            {
                var started = Stopwatch.GetTimestamp();
                using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    using var response = await reader.GetAsync(EmptyBlob, patience.Token);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }
                catch (TaskCanceledException) when (patience.IsCancellationRequested)
                {
                    // counted as slow below
                }
                var took = Stopwatch.GetElapsedTime(started);
                lock (waiting)
                {
                    reads++;
                    if (took > slowest) slowest = took;
                }
            }
        })));
        Assert.All(waiting, read => Assert.False(read.IsCompleted, "the write lock was released early: the test proves nothing"));
        Assert.True(reads >= Connections, $"only {reads} reads ran while the lock was held: the test proves nothing");
        Assert.True(slowest < TimeSpan.FromSeconds(2), $"a read took {slowest.TotalMilliseconds:0} ms while others waited for the database ({reads} reads)");

        await ExecuteAsync(other, "ROLLBACK");
        foreach (var read in waiting)
        {
            using var response = await read;
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        foreach (var client in forgetters.Concat(readers)) client.Dispose();
    }

    [Theory]
    [InlineData("many", "CacheRegistry:SocketThreads is 'many'")]
    [InlineData("2000", "CacheRegistry:SocketThreads is 2000; it must be at least 0 and at most 1024")]
    public async Task A_bad_socket_thread_count_stops_the_process_with_one_line_naming_it(string value, string expected)
    {
        await using var backend = new SqliteFileSystemBackend();
        // Program reads it before the host exists (it is process-wide), so this runs the real process.
        await using var server = ServerProcess.Start(new Dictionary<string, string?>(backend.Settings) { ["CacheRegistry:SocketThreads"] = value });
        Assert.Equal(1, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var errors = server.Output.Split('\n').Where(line => line.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.Contains(errors, line => line.StartsWith("error: " + expected, StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", server.Output);
    }

    private static async Task<List<HttpClient>> ConnectedClientsAsync(Uri server)
    {
        var clients = Enumerable.Range(0, Connections).Select(_ => new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(60) }).ToList();
        foreach (var client in clients) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(EmptyBlob)).StatusCode);
        return clients;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
