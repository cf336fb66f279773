using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CacheRegistry.Cli;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Operations;

/// <summary>Bounded storage, crash consistency, metrics and statistics, on both storage configurations.</summary>
[Collection(BackendCollection.Name)]
public sealed class OperationsTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private const long Quota = 200_000;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = TestAuth.Settings(
        ("CacheRegistry:Gc:Interval", "01:00:00"), // passes are started by the tests
        ("CacheRegistry:Gc:LowWaterRatio", "0.5"),
        ("CacheRegistry:Gc:OrphanGracePeriod", "00:00:00"),
        ("CacheRegistry:Gc:PresenceGracePeriod", "00:00:00"), // content just written may be evicted
        // One row per batch: eviction must page past pinned blobs (the artifact file is the oldest).
        ("CacheRegistry:Gc:BatchSize", "1"),
        ("CacheRegistry:Gc:Namespaces:team:MaxBytes", Quota.ToString()));

    private HttpClient Admin()
    {
        var http = new HttpClient { BaseAddress = Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestAuth.BootstrapToken);
        return http;
    }

    [BackendFact]
    public async Task A_namespace_over_its_quota_is_brought_under_the_low_water_mark()
    {
        using var http = Admin();
        // Pinned: an artifact version's files.
        var artifactFile = await PutAsync(http, "team", TestData.Random(40_000, seed: 100));
        var publish = await http.PutAsJsonAsync("team/api/v1/artifacts/tool/versions/1.0.0",
            new PublishRequest([new ArtifactFile("tool.bin", artifactFile.Hex, 40_000, true)], null, null, null));
        Assert.Equal(HttpStatusCode.Created, publish.StatusCode);

        // Thirty blobs of 10 kB, oldest first; an action result naming three of them; a Gradle entry.
        var blobs = new List<Sha256Digest>();
        for (var i = 0; i < 30; i++) blobs.Add(await PutAsync(http, "team", TestData.Random(10_000, seed: i)));
        var actionKey = TestData.Digest("compile"u8.ToArray());
        var actionResult = Encoding.UTF8.GetBytes($"{{\"outputs\":[\"{blobs[0]}\",\"{blobs[1]}\",\"{blobs[29]}\"]}}");
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync($"team/ac/{actionKey}", new ByteArrayContent(actionResult))).StatusCode);
        Assert.True((await http.PutAsync("team/cache/abc123", new ByteArrayContent(TestData.Random(5000, seed: 77)))).IsSuccessStatusCode);
        // Blobs read recently are kept: least recently used content goes first.
        foreach (var recent in blobs[25..]) Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"team/cas/{recent}")).StatusCode);
        foreach (var recent in blobs[25..]) // hits reach the database in the background
        {
            await WaitUntilAsync(async () => (await http.GetFromJsonAsync<BlobInfo>($"api/v1/blobs/{recent}"))!.HitCount > 0);
        }
        var other = await PutAsync(http, "elsewhere", TestData.Random(10_000, seed: 3)); // same content as a team blob, other namespace

        var before = await StatsAsync(http, "team");
        Assert.True(before.StoredBytes > Quota);
        var report = await (await http.PostAsync("api/v1/admin/gc", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(report.GetProperty("ran").GetBoolean());
        Assert.True(report.GetProperty("evictedBlobs").GetInt64() > 0);

        var after = await StatsAsync(http, "team");
        Assert.True(after.StoredBytes <= Quota / 2, $"{after.StoredBytes} bytes left, low-water mark {Quota / 2}");

        // No entry points at a missing blob: the action result went before the blobs it names.
        if ((await http.GetAsync($"team/ac/{actionKey}")).StatusCode == HttpStatusCode.OK)
        {
            foreach (var named in new[] { blobs[0], blobs[1], blobs[29] }) Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"team/cas/{named}")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"team/cas/{blobs[0]}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"team/ac/{actionKey}")).StatusCode);
        foreach (var recent in blobs[25..]) Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"team/cas/{recent}")).StatusCode);
        // Artifact versions are untouched; the other namespace keeps its copy.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"team/cas/{artifactFile}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("team/api/v1/artifacts/tool/resolve?spec=1.0.0")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"elsewhere/cas/{other}")).StatusCode);
        await AssertConsistentAsync(http);

        var metrics = await http.GetStringAsync("metrics");
        Assert.True(PrometheusText.Has(metrics, "cacheregistry_evictions_total{namespace=\"team\",reason=\"quota\"}"));
        Assert.True(Value(metrics, "cacheregistry_gc_passes_total") >= 1);
    }

    [BackendFact]
    public async Task After_a_crash_mid_upload_the_sweep_leaves_storage_and_metadata_consistent()
    {
        var settings = new Dictionary<string, string?>(Server.Settings);
        await Server.DisposeAsync();

        // The server as its own process, killed while uploads stream in.
        var port = Net.FreeLoopbackPort();
        var environment = settings.Where(s => s.Value is not null).ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value!);
        environment["Urls"] = $"http://127.0.0.1:{port}";
        var serverDll = typeof(CacheRegistry.Server.ServerHost).Assembly.Location;
        var process = Processes.Start("dotnet", [serverDll], Path.GetDirectoryName(serverDll), environment, out var output);
        var completed = new List<Sha256Digest>();
        try
        {
            await Net.WaitForPortAsync(port, TimeSpan.FromSeconds(60), () => output.ToString());
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestAuth.BootstrapToken);
            for (var i = 0; i < 3; i++) completed.Add(await PutAsync(http, "crash", TestData.Random(100_000, seed: 500 + i)));

            var inFlight = Enumerable.Range(0, 4).Select(async i =>
            {
                var (digest, _) = await Sha256Digest.OfStreamAsync(new GeneratedStream(64L * 1024 * 1024, seed: 600 + i));
                var body = new StreamContent(new SlowStream(new GeneratedStream(64L * 1024 * 1024, seed: 600 + i)));
                body.Headers.ContentLength = 64L * 1024 * 1024;
                try { await http.PutAsync($"crash/cas/{digest}", body); } catch (HttpRequestException) { } catch (TaskCanceledException) { }
            }).ToList();
            await Task.Delay(1500);
            process.Kill(entireProcessTree: true); // no shutdown, no cleanup: a crash
            await process.WaitForExitAsync();
            await Task.WhenAll(inFlight);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.Dispose();
        }

        // What a crash at the worst moments leaves: an object stored but never recorded, and a recorded blob whose object is gone.
        var orphan = TestData.Random(20_000, seed: 900);
        var lost = completed[1];
        Server = await TestServer.StartAsync(settings);
        using var admin = Admin();
        await PlantOrphanAsync(orphan);
        await RemoveStoredObjectAsync(lost);

        // One pass after the restart repairs both:
        var report = await (await admin.PostAsync("api/v1/admin/gc", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(report.GetProperty("ran").GetBoolean());
        Assert.DoesNotContain(await Backend.ListStoredObjectsAsync(), key => key.Contains(TestData.Digest(orphan).Hex));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"api/v1/blobs/{lost}")).StatusCode);

        await AssertConsistentAsync(admin);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"crash/cas/{completed[0]}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"crash/cas/{lost}")).StatusCode); // so clients upload it again
        Assert.Empty(Directory.GetFiles(Backend.StagingDirectory));
        await PutAsync(admin, "crash", TestData.Random(100_000, seed: 501));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"crash/cas/{lost}")).StatusCode);
    }

    [BackendFact]
    public async Task Metrics_move_as_requests_are_made_and_inspect_stats_agrees()
    {
        using var http = Admin();
        var first = await http.GetStringAsync("metrics");
        var digest = await PutAsync(http, "metered", TestData.Compressible(50_000));
        for (var i = 0; i < 3; i++) await http.GetByteArrayAsync($"metered/cas/{digest}");
        await http.GetAsync($"metered/cas/{TestData.Digest([1, 2, 3])}");
        await http.PutAsync("metered/cache/k1", new ByteArrayContent([1, 2, 3]));
        await http.GetAsync("metered/cache/k1");
        await http.PostAsync("api/v1/admin/gc", null); // measures storage for the gauges
        var second = await http.GetStringAsync("metrics");

        Assert.Equal(0, Value(first, "cacheregistry_lookups_total{namespace=\"metered\",protocol=\"cas\",result=\"hit\"}"));
        Assert.Equal(3, Value(second, "cacheregistry_lookups_total{namespace=\"metered\",protocol=\"cas\",result=\"hit\"}"));
        Assert.Equal(1, Value(second, "cacheregistry_lookups_total{namespace=\"metered\",protocol=\"cas\",result=\"miss\"}"));
        Assert.Equal(1, Value(second, "cacheregistry_lookups_total{namespace=\"metered\",protocol=\"gradle\",result=\"hit\"}"));
        Assert.Equal(1, Value(second, "cacheregistry_writes_total{namespace=\"metered\",protocol=\"gradle\"}"));
        Assert.True(Value(second, "cacheregistry_requests_total{method=\"GET\",protocol=\"bazel\",status=\"2xx\"}") >= 3);
        Assert.True(Value(second, "cacheregistry_wire_bytes_total{direction=\"out\",protocol=\"bazel\"}") >= 150_000);
        Assert.True(Value(second, "cacheregistry_stored_bytes_total{direction=\"write\"}") > 0);
        // Latency is ASP.NET Core's own http.server.request.duration, labelled with the protocol.
        Assert.True(PrometheusText.Sum(second, "http_server_request_duration_seconds_count{protocol=\"bazel\"}") > PrometheusText.Sum(first, "http_server_request_duration_seconds_count{protocol=\"bazel\"}"));
        Assert.Equal(1, Value(second, "cacheregistry_errors_total{kind=\"404\",protocol=\"bazel\"}"));
        Assert.Equal(2, Value(second, "cacheregistry_storage_objects{namespace=\"metered\"}"));

        // Hit counts reach the database in the background.
        await WaitUntilAsync(async () => (await http.GetFromJsonAsync<BlobInfo>($"api/v1/blobs/{digest}"))!.HitCount >= 3);
        var stats = await CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "--token", TestAuth.BootstrapToken, "-n", "metered", "inspect", "stats", "--json"]);
        Assert.True(stats.ExitCode == 0, stats.Error);
        var report = JsonSerializer.Deserialize<StorageStats>(stats.Output, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        var ns = Assert.Single(report.Namespaces);
        Assert.Equal(2, ns.Blobs);
        Assert.Equal(1, ns.Entries);
        Assert.Equal(50_003, ns.Bytes);
        var cas = report.Protocols.Single(p => p.Protocol == "cas");
        Assert.Equal(0.75, cas.HitRate);
        Assert.Equal(digest.Hex, report.LargestBlobs[0].Digest);
        Assert.Equal(digest.Hex, report.MostHitBlobs[0].Digest);
        Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "--token", TestAuth.BootstrapToken, "inspect", "stats"])).ExitCode);
    }

    [BackendFact]
    public async Task Deleting_by_hand_removes_entries_with_their_blobs_and_is_audited()
    {
        using var http = Admin();
        var digest = await PutAsync(http, "manual", TestData.Random(1000, seed: 8));
        var key = TestData.Digest("step"u8.ToArray());
        await http.PutAsync($"manual/ac/{key}", new ByteArrayContent(Encoding.UTF8.GetBytes($"output {digest}")));
        string[] cli = ["--server", Server.BaseAddress.ToString(), "--token", TestAuth.BootstrapToken, "-n", "manual"];

        Assert.Equal(0, (await CliRunner.RunAsync([.. cli, "delete", "blob", digest.Hex])).ExitCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"manual/cas/{digest}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"manual/ac/{key}")).StatusCode);
        Assert.Equal(ExitCodes.NotFound, (await CliRunner.RunAsync([.. cli, "delete", "blob", digest.Hex])).ExitCode);

        await http.PutAsync("manual/cache/abc", new ByteArrayContent([1]));
        Assert.Equal(0, (await CliRunner.RunAsync([.. cli, "delete", "entry", "gradle", "abc"])).ExitCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("manual/cache/abc")).StatusCode);
        await PutAsync(http, "manual", TestData.Random(1000, seed: 9));
        Assert.Equal(0, (await CliRunner.RunAsync([.. cli, "delete", "namespace", "manual", "--yes"])).ExitCode);
        Assert.DoesNotContain(await StatsListAsync(http), n => n.Namespace == "manual");
        await AssertConsistentAsync(http);

        List<AuditRecord>? audit = null;
        await WaitUntilAsync(async () => (audit = await http.GetFromJsonAsync<List<AuditRecord>>("api/v1/audit"))!.Any(a => a.Action == "DELETE /api/v1/admin/namespaces/{name}"));
        Assert.Contains(audit!, a => a.Action.StartsWith("DELETE /{ns}/api/v1/cas/") && a.Namespace == "manual");
        Assert.Contains(audit!, a => a.Action == "DELETE /api/v1/admin/namespaces/{name}");
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static async Task<Sha256Digest> PutAsync(HttpClient http, string ns, byte[] content)
    {
        var digest = TestData.Digest(content);
        var response = await http.PutAsync($"{ns}/cas/{digest}", new ByteArrayContent(content));
        Assert.True(response.IsSuccessStatusCode, $"PUT {response.StatusCode}");
        return digest;
    }

    private static async Task<NamespaceStats> StatsAsync(HttpClient http, string ns) =>
        (await StatsListAsync(http)).Single(n => n.Namespace == ns);

    private static async Task<IReadOnlyList<NamespaceStats>> StatsListAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<StorageStats>("api/v1/admin/stats"))!.Namespaces;

    /// <summary>Every stored blob object is named by metadata, and every recorded blob has its object but an inline one (4 KiB or less), which has none.</summary>
    private async Task AssertConsistentAsync(HttpClient http)
    {
        var objects = (await Backend.ListStoredObjectsAsync()).Where(k => k.StartsWith("cas/")).ToList();
        foreach (var key in objects)
        {
            var digest = Path.GetFileName(key)[..Sha256Digest.HexLength];
            var info = await http.GetAsync($"api/v1/blobs/{digest}");
            Assert.True(info.StatusCode == HttpStatusCode.OK, $"object {key} has no metadata");
        }
        var stats = await http.GetFromJsonAsync<StorageStats>("api/v1/admin/stats?top=100");
        foreach (var blob in stats!.LargestBlobs.Where(b => b.Size > 0))
        {
            if (blob.StoredSize > 4096) Assert.Contains(objects, key => key.Contains(blob.Digest));
            else Assert.DoesNotContain(objects, key => key.Contains(blob.Digest));
        }
        Assert.DoesNotContain(await Backend.ListStoredObjectsAsync(), k => k.StartsWith("uploads/"));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for background work");
            await Task.Delay(50);
        }
    }

    private static double Value(string metrics, string series) => PrometheusText.Value(metrics, series);

    /// <summary>An object as a crash leaves it: stored, never recorded.</summary>
    private Task PlantOrphanAsync(byte[] content)
    {
        var digest = TestData.Digest(content).Hex;
        return Backend.PutObjectAsync($"cas/{digest[..2]}/{digest}", content);
    }

    private async Task RemoveStoredObjectAsync(Sha256Digest digest)
    {
        foreach (var key in (await Backend.ListStoredObjectsAsync()).Where(k => k.Contains(digest.Hex))) await Backend.DeleteObjectAsync(key);
    }

    /// <summary>An upload body that trickles, so the server can be killed in the middle of it.</summary>
    private sealed class SlowStream(Stream inner) : CacheRegistry.Common.IO.ReadOnlyStream
    {
        public override int Read(Span<byte> buffer) => inner.Read(buffer[..Math.Min(buffer.Length, 64 * 1024)]);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(5, cancellationToken);
            return await inner.ReadAsync(buffer[..Math.Min(buffer.Length, 64 * 1024)], cancellationToken);
        }
    }
}
