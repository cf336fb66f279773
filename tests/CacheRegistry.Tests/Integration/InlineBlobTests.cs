using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Integration;

/// <summary>
/// Blobs of 4 KiB or less as stored are kept in their metadata rows (inline), not as objects: they read
/// back from memory, after a restart, on another replica and in either encoding, and go with their rows.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class InlineBlobTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    // The repair that forgets blobs whose objects are missing looks at every blob at once.
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>
    {
        ["CacheRegistry:Gc:OrphanGracePeriod"] = "00:00:00",
        ["CacheRegistry:Gc:PresenceGracePeriod"] = "00:00:00",
    };

    [BackendFact]
    public async Task A_small_blob_has_no_object_and_reads_back_after_a_restart_and_on_another_replica()
    {
        var small = TestData.Random(4_096, seed: 1);
        var larger = TestData.Random(4_097, seed: 2);
        foreach (var content in new[] { small, larger }) await PutAsync(content);

        var stored = await Backend.ListStoredObjectsAsync();
        Assert.DoesNotContain(stored, key => key.Contains(TestData.Digest(small).Hex));
        Assert.Contains(stored, key => key.Contains(TestData.Digest(larger).Hex));

        Assert.Equal(small, await ReadAsync(Http, small, zstd: false));
        Assert.Equal(small, await ReadAsync(Http, small, zstd: true)); // stored as it came: sent so
        var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"cas/{TestData.Digest(small)}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(small.Length, head.Content.Headers.ContentLength);

        await using (var replica = await StartReplicaAsync())
        {
            Assert.Equal(small, await ReadAsync(replica.Http, small, zstd: false));
        }
        Server = await Server.RestartAsync(); // nothing in memory any more
        Assert.Equal(small, await ReadAsync(Http, small, zstd: false));
        Assert.Equal(larger, await ReadAsync(Http, larger, zstd: false));
    }

    [BackendFact]
    public async Task Content_that_compresses_to_4_KiB_or_less_is_kept_inline_compressed()
    {
        var content = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 2_000).Select(i => $"object {i % 50}.o ")));
        var digest = await PutAsync(content);

        var info = await Http.GetFromJsonAsync<BlobInfo>($"api/v1/blobs/{digest}");
        Assert.Equal("zstd", info!.Encoding);
        Assert.InRange(info.StoredSize, 1, 4_096);
        Assert.DoesNotContain(await Backend.ListStoredObjectsAsync(), key => key.Contains(digest.Hex));

        Server = await Server.RestartAsync();
        Assert.Equal(content, await ReadAsync(Http, content, zstd: false));
        Assert.Equal(content, await ReadAsync(Http, content, zstd: true));
    }

    [BackendFact]
    public async Task An_entry_with_a_small_value_reads_back_after_a_restart()
    {
        var value = TestData.Random(1_024, seed: 4);
        Assert.True((await Http.PutAsync("cache/small-output", new ByteArrayContent(value))).IsSuccessStatusCode);
        Assert.Equal(value, await Http.GetByteArrayAsync("cache/small-output"));

        Server = await Server.RestartAsync();
        Assert.Equal(value, await Http.GetByteArrayAsync("cache/small-output"));
        Assert.DoesNotContain(await Backend.ListStoredObjectsAsync(), key => key.Contains(TestData.Digest(value).Hex));
    }

    [BackendFact]
    public async Task Garbage_collection_keeps_a_held_inline_blob_and_a_delete_takes_it_with_its_row()
    {
        var content = TestData.Random(1_000, seed: 5);
        var digest = await PutAsync(content);

        // The repair finds no object for it, which an inline blob never has: it stays.
        var report = await (await Http.PostAsync("api/v1/admin/gc", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(report.GetProperty("ran").GetBoolean());
        Assert.Equal(0, report.GetProperty("repairedBlobs").GetInt64());
        Assert.Equal(content, await ReadAsync(Http, content, zstd: false));

        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"api/v1/cas/{digest}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"cas/{digest}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"api/v1/blobs/{digest}")).StatusCode);

        // Stored again, it is served again, from its new row.
        await PutAsync(content);
        Server = await Server.RestartAsync();
        Assert.Equal(content, await ReadAsync(Http, content, zstd: false));
        var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"cas/{digest}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [BackendFact]
    public async Task With_inlining_off_a_small_blob_gets_an_object()
    {
        await Server.DisposeAsync();
        Server = await TestServer.StartAsync(new Dictionary<string, string?>(Settings) { ["CacheRegistry:Storage:InlineMaxBytes"] = "0" });
        var content = TestData.Random(100, seed: 6);
        var digest = await PutAsync(content);
        Assert.Contains(await Backend.ListStoredObjectsAsync(), key => key.Contains(digest.Hex));
        Assert.Equal(content, await ReadAsync(Http, content, zstd: false));
    }

    private async Task<Sha256Digest> PutAsync(byte[] content)
    {
        var digest = TestData.Digest(content);
        var put = await Http.PutAsync($"cas/{digest}", new ByteArrayContent(content));
        Assert.True(put.IsSuccessStatusCode, $"PUT answered {put.StatusCode}");
        return digest;
    }

    private static async Task<byte[]> ReadAsync(HttpClient http, byte[] content, bool zstd)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"cas/{TestData.Digest(content)}");
        if (zstd) request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("zstd"));
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await TestData.BodyAsync(response);
    }
}
