using System.Net;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Integrity;

/// <summary>A full disk is a 507, not a 500, and a nearly full staging area makes the server not ready.</summary>
[Collection(BackendCollection.Name)]
public sealed class DiskTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    [Fact]
    public async Task A_staging_area_nearly_full_makes_the_server_not_ready()
    {
        await Server.DisposeAsync();
        Server = await TestServer.StartAsync(new Dictionary<string, string?>(Settings) { ["CacheRegistry:Limits:MinFreeStagingBytes"] = long.MaxValue.ToString() });
        var ready = await Http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("healthz")).StatusCode);
    }

    // The staging area on a 4 MiB disk of its own (a tmpfs in the server's own mount namespace).
    [Fact]
    public async Task An_upload_that_fills_the_disk_gets_507_and_the_next_one_that_fits_is_stored()
    {
        await Server.DisposeAsync();
        var staging = Path.Combine(WorkDirectory, "small-disk");
        Directory.CreateDirectory(staging);
        var settings = new Dictionary<string, string?>(Settings)
        {
            ["CacheRegistry:StagingDirectory"] = staging,
            ["CacheRegistry:Limits:MinFreeStagingBytes"] = "0",
        };
        await using var server = ServerProcess.Start(settings, shellPrelude: $"mount -t tmpfs -o size=4m tmpfs '{staging}'", inOwnMountNamespace: true);
        await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var large = TestData.Random(8_000_000, seed: 1);
        var refused = await http.PutAsync($"cas/{TestData.Digest(large)}", new ByteArrayContent(large));
        Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"cas/{TestData.Digest(large)}")).StatusCode);

        var small = TestData.Random(100_000, seed: 2);
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"cas/{TestData.Digest(small)}", new ByteArrayContent(small))).StatusCode);
        Assert.Equal(small, await http.GetByteArrayAsync($"cas/{TestData.Digest(small)}"));
        Assert.DoesNotContain("at CacheRegistry", server.Output); // no stack trace for a full disk
    }
}
