using System.Net;
using CacheRegistry.Client;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CacheRegistry.Tests.Integration;

/// <summary>The client library against a real server (embedded default configuration).</summary>
[Collection(BackendCollection.Name)]
public sealed class ClientTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private CacheClient Client(string? ns = null, bool compress = true) =>
        new(new CacheClientOptions { Server = Server.BaseAddress, Namespace = ns, CompressUploads = compress });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Uploads_only_what_the_server_lacks(bool compress)
    {
        using var client = Client("ci", compress);
        var first = WriteFile("a.txt", TestData.Compressible(200_000, seed: 1));
        var second = WriteFile("b.bin", TestData.Random(300_000, seed: 2));

        var initial = await client.UploadFilesAsync([first]);
        Assert.True(Assert.Single(initial).Uploaded);

        var again = await client.UploadFilesAsync([first, second]);
        Assert.False(again[0].Uploaded);
        Assert.True(again[1].Uploaded);
        Assert.Equal(300_000, again[1].Size);
        Assert.Empty(await client.FindMissingAsync(again.Select(f => f.Digest)));
        Assert.True(await client.BlobExistsAsync(again[1].Digest));
        Assert.False(await Client("elsewhere").BlobExistsAsync(again[1].Digest));
    }

    [Fact]
    public async Task Downloads_are_verified_and_written_whole()
    {
        using var client = Client();
        var content = TestData.Compressible(1_000_000);
        var digest = await client.PutFileAsync(WriteFile("in", content));

        var target = Path.Combine(WorkDirectory, "out", "file");
        Assert.True(await client.DownloadBlobAsync(digest, target));
        Assert.Equal(content, await File.ReadAllBytesAsync(target));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(target)!));

        await using var stream = await client.OpenBlobAsync(digest);
        var (read, _) = await Sha256Digest.OfStreamAsync(stream!);
        Assert.Equal(digest, read);
    }

    [Fact]
    public async Task A_missing_blob_downloads_nothing()
    {
        using var client = Client();
        var target = Path.Combine(WorkDirectory, "absent");
        Assert.False(await client.DownloadBlobAsync(TestData.Digest([9, 9, 9]), target));
        Assert.Empty(Directory.GetFiles(WorkDirectory));
        Assert.Null(await client.OpenBlobAsync(TestData.Digest([9, 9, 9])));
    }

    [Fact]
    public async Task Content_corrupted_in_storage_is_caught_by_the_client()
    {
        using var client = Client(compress: false);
        var content = TestData.Random(100_000);
        var digest = await client.PutFileAsync(WriteFile("in", content));

        var stored = Directory.GetFiles(Path.Combine(Backend.DataDirectory, "blobs"), digest.Hex + "*", SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[500] ^= 0x01;
        await File.WriteAllBytesAsync(stored, bytes);

        var target = Path.Combine(WorkDirectory, "corrupt");
        await Assert.ThrowsAsync<BlobIntegrityException>(() => client.DownloadBlobAsync(digest, target));
        Assert.False(File.Exists(target));
        Assert.DoesNotContain(Directory.GetFiles(WorkDirectory), f => f.EndsWith(".partial"));
    }

    [Fact]
    public async Task Action_entries_round_trip_through_the_client()
    {
        using var client = Client("ci");
        var key = TestData.Digest("action"u8.ToArray());
        Assert.False(await client.ActionExistsAsync(key));
        Assert.Null(await client.OpenActionAsync(key));

        var value = TestData.Compressible(70_000);
        await client.PutActionAsync(key, () => new MemoryStream(value), value.Length);
        Assert.True(await client.ActionExistsAsync(key));
        await using var stream = await client.OpenActionAsync(key);
        var read = new MemoryStream();
        await stream!.CopyToAsync(read);
        Assert.Equal(value, read.ToArray());
    }

    [Fact]
    public async Task Server_errors_surface_with_their_status_and_reason()
    {
        using var client = Client("not/valid");
        var error = await Assert.ThrowsAsync<CacheClientException>(() => client.BlobExistsAsync(TestData.Digest([1])));
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
    }

    [Fact]
    public async Task Transient_failures_are_retried()
    {
        var content = TestData.Compressible(10_000);
        var digest = TestData.Digest(content);
        var attempts = 0;
        await using var flaky = await StartFakeServerAsync(app => app.MapGet("/cas/{digest}", () => Interlocked.Increment(ref attempts) <= 2
            ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable)
            : Results.Bytes(content, "application/octet-stream")));

        using var client = new CacheClient(new CacheClientOptions { Server = new Uri(flaky.Urls.Single()), RetryBaseDelay = TimeSpan.FromMilliseconds(10) });
        var target = Path.Combine(WorkDirectory, "retried");
        Assert.True(await client.DownloadBlobAsync(digest, target));
        Assert.Equal(content, await File.ReadAllBytesAsync(target));
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task The_client_from_dependency_injection_retries_the_same_way()
    {
        var attempts = 0;
        await using var flaky = await StartFakeServerAsync(app => app.MapMethods("/cas/{digest}", ["HEAD"], () => Interlocked.Increment(ref attempts) <= 2
            ? Results.StatusCode(StatusCodes.Status502BadGateway)
            : Results.Ok()));
        var services = new ServiceCollection();
        services.AddCacheRegistryClient(new CacheClientOptions { Server = new Uri(flaky.Urls.Single()), RetryBaseDelay = TimeSpan.FromMilliseconds(10) });
        await using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<CacheClient>();

        Assert.True(await client.BlobExistsAsync(TestData.Digest([1])));
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_is_tried_again_then_reported()
    {
        // A port nothing listens on: every attempt is refused.
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var client = new CacheClient(new CacheClientOptions { Server = new Uri($"http://127.0.0.1:{port}/"), MaxRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(200) });

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<HttpRequestException>(() => client.BlobExistsAsync(TestData.Digest([1])));
        // Two waits of 200 ms and 400 ms, each within ±25%: the refusal was retried twice before it was reported.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(450), $"gave up after {clock.Elapsed}, before two retries");
    }

    [Fact]
    public async Task A_429_is_retried_after_the_servers_Retry_After()
    {
        var attempts = 0;
        await using var limited = await StartFakeServerAsync(app => app.MapPost("/default/api/v1/cas/find-missing", (HttpContext context) =>
        {
            if (Interlocked.Increment(ref attempts) > 1) return Results.Json(new { missing = Array.Empty<string>() });
            context.Response.Headers.RetryAfter = "1";
            return Results.StatusCode(StatusCodes.Status429TooManyRequests);
        }));

        using var client = new CacheClient(new CacheClientOptions { Server = new Uri(limited.Urls.Single()), RetryBaseDelay = TimeSpan.FromMilliseconds(10) });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Empty(await client.FindMissingAsync([TestData.Digest([1])]));
        Assert.Equal(2, attempts);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {clock.Elapsed}, not after the 1 s Retry-After");
    }

    [Fact]
    public async Task A_Retry_After_given_as_a_date_is_waited_for()
    {
        var attempts = 0;
        await using var limited = await StartFakeServerAsync(app => app.MapMethods("/cas/{digest}", ["HEAD"], (HttpContext context) =>
        {
            if (Interlocked.Increment(ref attempts) > 1) return Results.Ok();
            context.Response.Headers.RetryAfter = DateTimeOffset.UtcNow.AddSeconds(2).ToString("R");
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }));

        using var client = new CacheClient(new CacheClientOptions { Server = new Uri(limited.Urls.Single()), RetryBaseDelay = TimeSpan.FromMilliseconds(10) });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(await client.BlobExistsAsync(TestData.Digest([1])));
        Assert.Equal(2, attempts);
        // The date has whole seconds: at least one of the two seconds is waited, whatever the rounding.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {clock.Elapsed}, before the Retry-After date");
    }

    [Fact]
    public async Task Requests_that_create_something_are_not_retried()
    {
        var attempts = 0;
        await using var flaky = await StartFakeServerAsync(app => app.MapPost("/api/v1/tokens", () =>
        {
            Interlocked.Increment(ref attempts);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }));

        using var client = new CacheClient(new CacheClientOptions { Server = new Uri(flaky.Urls.Single()), RetryBaseDelay = TimeSpan.FromMilliseconds(10) });
        var error = await Assert.ThrowsAsync<CacheClientException>(() => client.CreateTokenAsync(new("ci", ["ci:read"], "1d")));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task An_upload_cut_off_by_a_5xx_is_sent_again_whole_and_compressed()
    {
        var content = TestData.Compressible(300_000);
        var digest = TestData.Digest(content);
        var received = new List<byte[]>();
        await using var flaky = await StartFakeServerAsync(app => app.MapPut("/cas/{digest}", async (HttpRequest request) =>
        {
            var body = new MemoryStream();
            await using (var decompressed = new Common.Compression.ZstdDecompressStream(request.Body, leaveOpen: true)) await decompressed.CopyToAsync(body);
            lock (received) received.Add(body.ToArray());
            return received.Count <= 2 ? Results.StatusCode(StatusCodes.Status502BadGateway) : Results.StatusCode(StatusCodes.Status201Created);
        }));

        using var client = new CacheClient(new CacheClientOptions { Server = new Uri(flaky.Urls.Single()), RetryBaseDelay = TimeSpan.FromMilliseconds(10) });
        await client.PutBlobAsync(digest, () => new MemoryStream(content), content.Length);
        Assert.Equal(3, received.Count);
        Assert.All(received, body => Assert.Equal(content, body));
    }

    [Fact]
    public async Task An_entry_whose_key_is_a_path_is_deleted_by_that_path()
    {
        var put = await Http.PutAsync("ci/ccache/project/ab/cdef0123", new ByteArrayContent(TestData.Random(100)));
        Assert.True(put.IsSuccessStatusCode, $"PUT answered {put.StatusCode}");

        using var client = Client("ci");
        Assert.True(await client.DeleteEntryAsync("ccache", "project/ab/cdef0123"));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("ci/ccache/project/ab/cdef0123")).StatusCode);
        Assert.False(await client.DeleteEntryAsync("ccache", "project/ab/cdef0123"));
    }

    [Fact]
    public async Task The_client_comes_from_dependency_injection_too()
    {
        var services = new ServiceCollection();
        services.AddCacheRegistryClient(new CacheClientOptions { Server = Server.BaseAddress, Namespace = "di" });
        await using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<CacheClient>();

        var digest = await client.PutFileAsync(WriteFile("di.txt", TestData.Compressible(5_000)));
        Assert.Empty(await client.FindMissingAsync([digest]));
        Assert.Equal(["di"], (await client.GetBlobInfoAsync(digest))!.Namespaces);
    }

    /// <summary>A stand-in server on a loopback port whose answers a test scripts (to fail on purpose).</summary>
    private static async Task<WebApplication> StartFakeServerAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }

    private string WriteFile(string name, byte[] content)
    {
        var path = Path.Combine(WorkDirectory, name);
        File.WriteAllBytes(path, content);
        return path;
    }
}
