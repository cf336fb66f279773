using System.Collections.Concurrent;
using System.Net;
using CacheRegistry.Server.Hosting;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Integrity;

/// <summary>
/// A crash never loses an acknowledged upload and never blocks the next start; a server refuses to start
/// where it would harm another server's data.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class CrashTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    [BackendFact]
    public async Task Every_acknowledged_upload_survives_kill_9_during_concurrent_uploads()
    {
        await Server.DisposeAsync();
        // Every write path: large files staged on disk, small bodies kept in memory (compressed or not), and
        // entries committed through the metadata writer's batches.
        var acknowledged = new ConcurrentDictionary<string, byte[]>();
        await using (var process = ServerProcess.Start(Settings))
        {
            await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
            using var http = new HttpClient { BaseAddress = process.BaseAddress };
            using var stop = new CancellationTokenSource();
            var uploaders = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var seed = worker * 10_000 + i;
                    var content = (i % 4) switch
                    {
                        0 => TestData.Random(300_000, seed),
                        1 => TestData.Random(1_024, seed),
                        _ => TestData.Compressible(20_000, seed),
                    };
                    var route = i % 4 == 3 ? $"crash/cache/entry-{seed}" : $"crash/cas/{TestData.Digest(content)}";
                    try
                    {
                        var response = await http.PutAsync(route, new ByteArrayContent(content));
                        if (response.IsSuccessStatusCode) acknowledged[route] = content;
                    }
                    catch (HttpRequestException)
                    {
                        return; // the server is gone
                    }
                }
            })).ToList();
            // Crash once a good number of uploads were acknowledged (however loaded the machine is), with more in flight.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (acknowledged.Count < 80 && DateTime.UtcNow < deadline) await Task.Delay(50);
            await process.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(uploaders);
        }
        Assert.True(acknowledged.Count >= 80, $"only {acknowledged.Count} uploads were acknowledged before the crash");

        Server = await TestServer.StartAsync(Settings);
        foreach (var (route, content) in acknowledged)
        {
            var read = await Http.GetAsync(route);
            Assert.True(read.StatusCode == HttpStatusCode.OK, $"acknowledged upload {route} answers {read.StatusCode}");
            Assert.Equal(content, await read.Content.ReadAsByteArrayAsync());
        }
    }

    [BackendFact]
    public async Task A_server_killed_at_any_moment_of_its_start_starts_again()
    {
        await Server.DisposeAsync();
        foreach (var delay in new[] { 300, 700, 1000, 1300, 1600, 2000, 2600 })
        {
            // A fresh store each time, so the kill can land in the first migration.
            await using var store = await TestBackend.CreateAsync(BackendMatrix.Current, Infrastructure);
            var settings = new Dictionary<string, string?>(store.Settings.Concat(ExtraSettings));
            await using (var doomed = ServerProcess.Start(settings))
            {
                await Task.Delay(delay);
                await doomed.KillAsync();
            }
            await using var restarted = ServerProcess.Start(settings);
            await restarted.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        }
        Server = await TestServer.StartAsync(Settings);
    }

    // The S3 emulator's writes are not atomic: a start killed while writing the storage marker left it
    // empty, and the next start refused the storage as another database's (storage id "").
    [BackendFact]
    public async Task A_storage_marker_cut_short_by_a_killed_first_start_is_claimed_again()
    {
        await Server.DisposeAsync();
        await using var store = await TestBackend.CreateAsync(BackendMatrix.Current, Infrastructure);
        await store.PutObjectAsync("meta/storage-id", []);
        await using (var server = await TestServer.StartAsync(new Dictionary<string, string?>(store.Settings.Concat(ExtraSettings))))
        {
            Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("readyz")).StatusCode);
        }
        Server = await TestServer.StartAsync(Settings);
    }

    [BackendFact]
    public async Task A_second_server_on_the_same_data_directory_refuses_to_start_with_one_line()
    {
        await using var second = ServerProcess.Start(Settings);
        Assert.NotEqual(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var lines = second.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var error = Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("another CacheRegistry server is using", error);
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal)); // no stack trace
        // The first server is untouched.
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("readyz")).StatusCode);
    }

    [BackendFact]
    public async Task A_database_pointed_at_other_storage_refuses_to_start()
    {
        var other = new Dictionary<string, string?>(Backend.ReplicaSettings(Path.Combine(WorkDirectory, "other")).Concat(ExtraSettings));
        if (BackendMatrix.Current == BackendMatrix.PostgresS3) other["CacheRegistry:Storage:S3:KeyPrefix"] = $"other-{Guid.NewGuid():N}/";
        else other["CacheRegistry:Storage:Path"] = Path.Combine(WorkDirectory, "other-blobs");

        var refused = await Assert.ThrowsAsync<StartupException>(() => TestServer.StartAsync(other));
        Assert.Contains("the database describes the storage", refused.Message);
        Assert.Contains("point this server at the storage its database describes", refused.Message);
    }
}
