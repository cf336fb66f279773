using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CacheRegistry.Tests.Integrity;

/// <summary>
/// The links between records: an action entry is never served while a blob it names is gone, being
/// told "present" protects a blob, and metadata never outlives its object.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class ReferenceIntegrityTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private const int BlobSize = 10_000;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>
    {
        ["CacheRegistry:Gc:Interval"] = "01:00:00", // passes are started by the tests
        ["CacheRegistry:Gc:GlobalMaxBytes"] = (5 * BlobSize).ToString(),
        ["CacheRegistry:Gc:LowWaterRatio"] = "0.8",
        ["CacheRegistry:Gc:OrphanGracePeriod"] = "00:00:00",
    };

    [BackendFact]
    public void The_server_runs_on_the_configuration_the_matrix_names()
    {
        var provider = Settings.GetValueOrDefault("CacheRegistry:Database:Provider") ?? "Sqlite";
        Assert.Equal(BackendMatrix.Current == BackendMatrix.PostgresS3 ? "PostgreSQL" : "Sqlite", provider);
    }

    // The sequence that used to end with a hit whose blob answers 404: the blob is evicted after the
    // client was told it is present (here with no grace period, and a bound that leaves nothing), then
    // an action entry naming it is written.
    [BackendFact]
    public async Task An_entry_naming_an_evicted_blob_is_refused_and_never_served()
    {
        await RestartWithAsync(("CacheRegistry:Gc:PresenceGracePeriod", "00:00:00"), ("CacheRegistry:Gc:GlobalMaxBytes", (BlobSize / 2).ToString()));
        var x = await PutAsync(Http, TestData.Random(BlobSize, seed: 1));
        for (var i = 2; i <= 7; i++) await PutAsync(Http, TestData.Random(BlobSize, seed: i)); // x is now the least recently used
        Assert.Empty(await FindMissingAsync(Http, x));

        await GcAsync(Http);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"cas/{x}")).StatusCode); // no grace: evicted

        var key = TestData.Digest("action"u8.ToArray());
        var put = await Http.PutAsync($"ac/{key}", new ByteArrayContent(ActionResult(x)));
        Assert.Equal(HttpStatusCode.Conflict, put.StatusCode);
        Assert.Contains(x.Hex, await put.Content.ReadAsStringAsync());
        for (var pass = 0; pass < 2; pass++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"ac/{key}")).StatusCode);
            await GcAsync(Http);
        }

        // The client uploads what was missing and writes again, as Bazel does.
        await PutAsync(Http, TestData.Random(BlobSize, seed: 1));
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"ac/{key}", new ByteArrayContent(ActionResult(x)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"ac/{key}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"cas/{x}")).StatusCode);
    }

    // The same sequence with the default grace period: being told "present" protects the blob.
    [BackendFact]
    public async Task A_blob_reported_present_is_not_evicted_so_the_next_write_naming_it_succeeds()
    {
        var x = await PutAsync(Http, TestData.Random(BlobSize, seed: 1));
        for (var i = 2; i <= 7; i++) await PutAsync(Http, TestData.Random(BlobSize, seed: i));
        // Only the presence answer below keeps x: everything else is older than the grace period.
        await AgeAllBlobsAsync(before: DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Empty(await FindMissingAsync(Http, x));

        var report = await GcAsync(Http);
        Assert.True(report.GetProperty("evictedBlobs").GetInt64() > 0, "the pass evicted other blobs");
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"cas/{x}")).StatusCode);
        var key = TestData.Digest("action"u8.ToArray());
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"ac/{key}", new ByteArrayContent(ActionResult(x)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"ac/{key}")).StatusCode);
    }

    [BackendFact]
    public async Task A_vanished_object_is_forgotten_at_once_and_stored_again_by_the_next_upload()
    {
        var content = TestData.Random(BlobSize, seed: 11);
        var x = await PutAsync(Http, content);
        var key = TestData.Digest("uses x"u8.ToArray());
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"ac/{key}", new ByteArrayContent(ActionResult(x)))).StatusCode);
        foreach (var stored in (await Backend.ListStoredObjectsAsync()).Where(k => k.Contains(x.Hex))) await Backend.DeleteObjectAsync(stored);

        // HEAD answers what GET would, and the blob is forgotten: find-missing asks for it again.
        Assert.Equal(HttpStatusCode.NotFound, (await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"cas/{x}"))).StatusCode);
        Assert.Equal([x.Hex], await FindMissingAsync(Http, x));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"ac/{key}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"cas/{x}")).StatusCode);

        var again = await Http.PutAsync($"cas/{x}", new ByteArrayContent(content));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(content, await Http.GetByteArrayAsync($"cas/{x}"));
    }

    [BackendFact]
    public async Task A_read_that_finds_the_object_missing_forgets_it_too()
    {
        var content = TestData.Compressible(50_000, seed: 12);
        var x = await PutAsync(Http, content);
        Assert.Equal(content, await Http.GetByteArrayAsync($"cas/{x}")); // cached lookup
        foreach (var stored in (await Backend.ListStoredObjectsAsync()).Where(k => k.Contains(x.Hex))) await Backend.DeleteObjectAsync(stored);

        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"cas/{x}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"api/v1/blobs/{x}")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Http.PutAsync($"cas/{x}", new ByteArrayContent(content))).StatusCode);
        Assert.Equal(content, await Http.GetByteArrayAsync($"cas/{x}"));
    }

    [BackendFact]
    public async Task An_object_cut_short_behind_the_servers_back_after_a_hit_is_a_miss_and_forgotten()
    {
        var content = TestData.Random(20_000, seed: 13);
        var x = await PutAsync(Http, content);
        Assert.Equal(content, await Http.GetByteArrayAsync($"cas/{x}")); // the object is open, and its handle kept, after this hit
        var stored = Assert.Single(await Backend.ListStoredObjectsAsync(), k => k.Contains(x.Hex));
        await Backend.PutObjectAsync(stored, content[..1_000]); // in place: the same file, shorter

        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"cas/{x}")).StatusCode);
        Assert.Equal([x.Hex], await FindMissingAsync(Http, x));
        Assert.Equal(HttpStatusCode.Created, (await Http.PutAsync($"cas/{x}", new ByteArrayContent(content))).StatusCode);
        Assert.Equal(content, await Http.GetByteArrayAsync($"cas/{x}"));
    }

    [BackendFact]
    public async Task Under_the_global_bound_two_passes_evict_nothing()
    {
        await RestartWithAsync(
            ("CacheRegistry:Gc:GlobalMaxBytes", "5000000"), ("CacheRegistry:Gc:PresenceGracePeriod", "00:00:00"));
        var blobs = new List<Sha256Digest>();
        for (var i = 0; i < 45; i++) blobs.Add(await PutAsync(Http, TestData.Random(100_000, seed: 100 + i))); // 4.5 MB
        for (var pass = 0; pass < 2; pass++)
        {
            var report = await GcAsync(Http);
            Assert.Equal(0, report.GetProperty("evictedBlobs").GetInt64());
        }
        foreach (var blob in blobs) Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"cas/{blob}"))).StatusCode);
    }

    [BackendFact]
    public async Task Over_the_global_bound_a_pass_evicts_down_to_the_low_water_mark()
    {
        await RestartWithAsync(("CacheRegistry:Gc:PresenceGracePeriod", "00:00:00"));
        for (var i = 0; i < 8; i++) await PutAsync(Http, TestData.Random(BlobSize, seed: 200 + i)); // 80 kB, bound 50 kB
        await GcAsync(Http);
        var stored = (await Http.GetFromJsonAsync<StorageStats>("api/v1/admin/stats"))!.Namespaces.Sum(n => n.StoredBytes);
        Assert.InRange(stored, 1, 4 * BlobSize);
    }

    [BackendFact]
    public async Task A_blob_no_namespace_holds_is_swept_after_the_grace_period()
    {
        await RestartWithAsync(("CacheRegistry:Gc:PresenceGracePeriod", "00:00:00"));
        var x = await PutAsync(Http, TestData.Random(BlobSize, seed: 31));
        // What a crash between storing and granting leaves: a blob row and its object, held by nobody.
        await IntegrityProbe.RemoveGrantsAsync(Server, x);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"api/v1/blobs/{x}")).StatusCode);

        await GcAsync(Http);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"api/v1/blobs/{x}")).StatusCode);
        Assert.DoesNotContain(await Backend.ListStoredObjectsAsync(), k => k.Contains(x.Hex));
    }

    [BackendFact]
    public async Task Concurrent_uploads_of_the_same_new_blob_store_its_object_once()
    {
        var content = TestData.Compressible(3_000_000, seed: 41);
        var digest = TestData.Digest(content);
        var before = await StoredBytesWrittenAsync();
        var uploads = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Http.PutAsync($"cas/{digest}", new ByteArrayContent(content))));
        Assert.All(uploads, u => Assert.True(u.IsSuccessStatusCode, u.StatusCode.ToString()));

        var info = (await Http.GetFromJsonAsync<BlobInfo>($"api/v1/blobs/{digest}"))!;
        Assert.Equal(info.StoredSize, await StoredBytesWrittenAsync() - before);
        Assert.Single(await Backend.ListStoredObjectsAsync(), k => k.Contains(digest.Hex));
        Assert.Equal(content, await Http.GetByteArrayAsync($"cas/{digest}"));
    }

    // Concurrent writes commit together (SQLite's group commit gathers them into one transaction): one the
    // database refuses fails alone, and the others, in its group or not, are stored.
    [BackendFact]
    public async Task A_refused_write_fails_alone_among_concurrent_writes()
    {
        var stored = await PutAsync(Http, TestData.Random(100, seed: 50));
        var missing = TestData.Digest(TestData.Random(100, seed: 51));
        var writes = Enumerable.Range(0, 60)
            .Select(i => (Key: TestData.Digest(Encoding.UTF8.GetBytes($"concurrent action {i}")), Value: ActionResult(i % 3 == 0 ? missing : stored)))
            .ToList();

        var answers = await Task.WhenAll(writes.Select(w => Http.PutAsync($"ac/{w.Key}", new ByteArrayContent(w.Value))));

        for (var i = 0; i < writes.Count; i++)
        {
            var (key, value) = writes[i];
            if (i % 3 == 0)
            {
                Assert.Equal(HttpStatusCode.Conflict, answers[i].StatusCode);
                Assert.Contains(missing.Hex, await answers[i].Content.ReadAsStringAsync());
                Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"ac/{key}")).StatusCode);
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, answers[i].StatusCode);
                Assert.Equal(value, await Http.GetByteArrayAsync($"ac/{key}"));
            }
        }
    }

    [BackendFact]
    public async Task Upload_parts_past_the_blob_limit_or_the_quota_are_refused_as_they_arrive()
    {
        await RestartWithAsync(
            ("CacheRegistry:Limits:MaxBlobBytes", "3000000"), ("CacheRegistry:Limits:MaxUploadPartBytes", "2000000"),
            ("CacheRegistry:Gc:Namespaces:small:MaxBytes", "1000000"));
        var session = await (await Http.PostAsync("api/v1/uploads", null)).Content.ReadFromJsonAsync<UploadSessionInfo>();
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"api/v1/uploads/{session!.Id}/parts/1", new ByteArrayContent(new byte[2_000_000]))).StatusCode);
        var over = await Http.PutAsync($"api/v1/uploads/{session.Id}/parts/2", new ByteArrayContent(new byte[1_500_000]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, over.StatusCode);
        // Replacing a part counts only once.
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"api/v1/uploads/{session.Id}/parts/1", new ByteArrayContent(new byte[1_000_000]))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"api/v1/uploads/{session.Id}/parts/2", new ByteArrayContent(new byte[1_500_000]))).StatusCode);

        var quoted = await (await Http.PostAsync("small/api/v1/uploads", null)).Content.ReadFromJsonAsync<UploadSessionInfo>();
        var overQuota = await Http.PutAsync($"small/api/v1/uploads/{quoted!.Id}/parts/1", new ByteArrayContent(new byte[1_200_000]));
        Assert.Equal(HttpStatusCode.InsufficientStorage, overQuota.StatusCode);
        Assert.Contains("quota", await overQuota.Content.ReadAsStringAsync());
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static byte[] ActionResult(params Sha256Digest[] outputs) =>
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { outputs = outputs.Select(o => o.Hex) }));

    // A client writes an entry again (it rebuilt what had become incomplete) while a pass sweeps incomplete
    // entries: the sweep must judge the entry as the write leaves it. PostgreSQL re-checks a row that a
    // concurrent transaction changed against the statement's older snapshot of every other table, so the
    // sweep used to count the references the entry had before and delete it with its new ones.
    [BackendFact]
    public async Task An_entry_written_again_while_the_sweep_runs_is_kept()
    {
        var (key, other, output) = await TwoIncompleteEntriesAsync();
        var report = await WhileRewritingAsync(key, output, () => GcAsync(Http));
        Assert.Equal(1, report.GetProperty("removedIncompleteEntries").GetInt64()); // the other one
        Assert.Equal(0, await IntegrityProbe.IncompleteEntriesAsync(Server));
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"ac/{key}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"ac/{other}")).StatusCode);
    }

    // The same race with a read, which removes an entry it finds incomplete.
    [BackendFact]
    public async Task An_entry_written_again_while_a_read_removes_it_as_incomplete_is_kept()
    {
        var (key, _, output) = await TwoIncompleteEntriesAsync();
        var read = await WhileRewritingAsync(key, output, () => Http.GetAsync($"ac/{key}"));
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode); // it read the entry before the write committed
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"ac/{key}")).StatusCode);
    }

    // Taking a blob out of a namespace (by hand, or garbage collection) takes the entries naming it with it.
    // An entry written again meanwhile so that it names other blobs stays: on PostgreSQL the delete used to
    // re-check the rewritten entry against its older snapshot of the references, and take it.
    [BackendFact]
    public async Task An_entry_written_again_without_a_blob_being_taken_out_is_kept()
    {
        var x = await PutAsync(Http, TestData.Random(BlobSize, seed: 1));
        var y = await PutAsync(Http, TestData.Random(BlobSize, seed: 2));
        await PutAsync(Http, ActionResult(y));
        var key = TestData.Digest("names y from now on"u8.ToArray());
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"ac/{key}", new ByteArrayContent(ActionResult(x)))).StatusCode);

        var removal = await WhileRewritingAsync(key, y, () => Http.DeleteAsync($"api/v1/cas/{x}"));
        Assert.Equal(HttpStatusCode.NoContent, removal.StatusCode);
        var hit = await Http.GetAsync($"ac/{key}");
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal(ActionResult(y), await hit.Content.ReadAsByteArrayAsync());
    }

    // An eviction running on this server marks the blob, then looks for uses; a hit records its use, then looks
    // for marks. A hit that finds the entry's value or an output marked is a miss (the client rebuilds), and a
    // hit again once the eviction has ended without taking anything.
    [BackendFact]
    public async Task An_entry_whose_value_or_output_is_being_evicted_reads_as_a_miss()
    {
        var x = await PutAsync(Http, TestData.Random(BlobSize, seed: 1));
        var key = TestData.Digest("being evicted"u8.ToArray());
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"ac/{key}", new ByteArrayContent(ActionResult(x)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"ac/{key}")).StatusCode); // now in the lookup cache too

        var tracker = Server.Services.GetRequiredService<AccessTracker>();
        foreach (var marked in new[] { x, TestData.Digest(ActionResult(x)) })
        {
            var (eviction, _) = tracker.BeginEviction(marked, since: null);
            using (eviction) Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"ac/{key}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"ac/{key}")).StatusCode);
        }
    }

    // An entry's value is held through its namespace's grant, not a reference. An eviction of the value leaves
    // its entries incomplete: a miss at once (the read removes the entry), until the value is granted again
    // (writing one of them again does); garbage collection's next pass removes those left.
    [BackendFact]
    public async Task An_entry_whose_value_is_evicted_is_a_miss_until_written_again()
    {
        var value = TestData.Random(BlobSize, seed: 1);
        var other = TestData.Random(BlobSize, seed: 2);
        foreach (var (key, content) in new[] { ("read", value), ("rewritten", value), ("left", other) })
        {
            Assert.True((await Http.PutAsync($"cache/{key}", new ByteArrayContent(content))).IsSuccessStatusCode);
        }
        Assert.True((await Http.PutAsync($"team/cas/{TestData.Digest(value)}", new ByteArrayContent(value))).IsSuccessStatusCode); // stays stored for team
        Assert.Equal(value, await Http.GetByteArrayAsync("cache/read")); // in the lookup cache too

        foreach (var content in new[] { value, other }) await IntegrityProbe.EvictAsync(Server, "default", TestData.Digest(content));
        Assert.Equal(3, await IntegrityProbe.IncompleteEntriesAsync(Server));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("cache/read")).StatusCode);
        Assert.True((await Http.PutAsync("cache/rewritten", new ByteArrayContent(value))).IsSuccessStatusCode);
        Assert.Equal(value, await Http.GetByteArrayAsync("cache/rewritten"));
        Assert.Equal(1, await IntegrityProbe.IncompleteEntriesAsync(Server)); // "left"

        var report = await GcAsync(Http);
        Assert.Equal(1, report.GetProperty("removedIncompleteEntries").GetInt64());
        Assert.Equal(0, await IntegrityProbe.IncompleteEntriesAsync(Server));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("cache/left")).StatusCode);
        Assert.Equal(value, await Http.GetByteArrayAsync("cache/rewritten"));
    }

    // Removing a blob by hand removes the entries whose value it is at once: uploading it again does not bring them back.
    [BackendFact]
    public async Task An_entry_whose_value_is_removed_by_hand_is_gone_for_good()
    {
        var value = TestData.Random(BlobSize, seed: 1);
        var digest = TestData.Digest(value);
        Assert.True((await Http.PutAsync("cache/purged", new ByteArrayContent(value))).IsSuccessStatusCode);
        Assert.Equal(value, await Http.GetByteArrayAsync("cache/purged"));
        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"api/v1/cas/{digest}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("cache/purged")).StatusCode);
        Assert.True((await Http.PutAsync($"cas/{digest}", new ByteArrayContent(value))).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("cache/purged")).StatusCode);
        Assert.Equal(0, await IntegrityProbe.IncompleteEntriesAsync(Server));
    }

    // The query judges an entry that names only its value by the namespace's grant of it (a short path); an empty value needs none.
    [BackendFact]
    public async Task A_query_reports_an_entry_present_only_while_every_blob_it_names_is_there()
    {
        string[] hashes = ["c0ffee0000000001", "c0ffee0000000002", "c0ffee0000000003"];
        var values = new[] { TestData.Random(BlobSize, seed: 1), TestData.Random(BlobSize, seed: 2), Array.Empty<byte>() };
        for (var i = 0; i < hashes.Length; i++)
        {
            var put = new HttpRequestMessage(HttpMethod.Put, $"v8/artifacts/{hashes[i]}?slug=team") { Content = new ByteArrayContent(values[i]) };
            Assert.Equal(HttpStatusCode.Accepted, (await Http.SendAsync(put)).StatusCode);
        }
        await IntegrityProbe.RemoveGrantsAsync(Server, TestData.Digest(values[0]));

        var query = await Http.PostAsJsonAsync("v8/artifacts?slug=team", new { hashes });
        var answer = await query.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, answer.GetProperty(hashes[0]).ValueKind);
        Assert.Equal(BlobSize, answer.GetProperty(hashes[1]).GetProperty("size").GetInt64());
        Assert.Equal(0, answer.GetProperty(hashes[2]).GetProperty("size").GetInt64());
    }

    /// <summary>Two action entries naming one blob, each having lost its reference to it (what an eviction racing their writes leaves).</summary>
    private async Task<(Sha256Digest Key, Sha256Digest Other, Sha256Digest Output)> TwoIncompleteEntriesAsync()
    {
        var x = await PutAsync(Http, TestData.Random(BlobSize, seed: 1));
        var key = TestData.Digest("written again"u8.ToArray());
        var other = TestData.Digest("left incomplete"u8.ToArray());
        foreach (var k in new[] { key, other })
        {
            Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"ac/{k}", new ByteArrayContent(ActionResult(x)))).StatusCode);
            await IntegrityProbe.DropReferenceAsync(Server, k.Hex, x);
        }
        Assert.Equal(2, await IntegrityProbe.IncompleteEntriesAsync(Server));
        return (key, other, x);
    }

    /// <summary>
    /// Runs <paramref name="racer"/> while a new write of the entry (naming <paramref name="output"/>) is open,
    /// and commits the write once the racer waits for it.
    /// </summary>
    private async Task<T> WhileRewritingAsync<T>(Sha256Digest key, Sha256Digest output, Func<Task<T>> racer)
    {
        await using var rewrite = await IntegrityProbe.BeginRewriteAsync(Server, key.Hex, TestData.Digest(ActionResult(output)), output);
        var racing = racer();
        await rewrite.WaitUntilItBlocksAsync(racing);
        await rewrite.CommitAsync();
        return await racing;
    }

    /// <summary>Restarts the test's server over the same store with some settings changed.</summary>
    private async Task RestartWithAsync(params (string Key, string Value)[] settings)
    {
        await Server.DisposeAsync();
        var changed = new Dictionary<string, string?>(Settings);
        foreach (var (key, value) in settings) changed[key] = value;
        Server = await TestServer.StartAsync(changed);
    }

    private static async Task<Sha256Digest> PutAsync(HttpClient http, byte[] content)
    {
        var digest = TestData.Digest(content);
        var response = await http.PutAsync($"cas/{digest}", new ByteArrayContent(content));
        Assert.True(response.IsSuccessStatusCode, $"PUT {response.StatusCode}");
        return digest;
    }

    private static async Task<IReadOnlyList<string>> FindMissingAsync(HttpClient http, params Sha256Digest[] digests)
    {
        var response = await http.PostAsJsonAsync("api/v1/cas/find-missing", new FindMissingRequest(digests.Select(d => d.Hex).ToList()));
        return (await response.Content.ReadFromJsonAsync<FindMissingResponse>())!.Missing;
    }

    private static async Task<JsonElement> GcAsync(HttpClient http)
    {
        var response = await http.PostAsync("api/v1/admin/gc", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(report.GetProperty("ran").GetBoolean());
        return report;
    }

    private async Task AgeAllBlobsAsync(DateTimeOffset before) => await IntegrityProbe.SetLastAccessAsync(Server, before);

    private async Task<double> StoredBytesWrittenAsync()
    {
        return PrometheusText.Value(await Http.GetStringAsync("metrics"), "cacheregistry_stored_bytes_total{direction=\"write\"}");
    }
}
