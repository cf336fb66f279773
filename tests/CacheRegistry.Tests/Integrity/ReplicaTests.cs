using System.Net;
using System.Net.Http.Headers;
using CacheRegistry.Common.Compression;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CacheRegistry.Tests.Integrity;

/// <summary>Two replicas over one store: neither serves wrong bytes or a 500, and each sees the other's deletes and overwrites within two seconds.</summary>
[Collection(BackendCollection.Name)]
public sealed class ReplicaTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);

    [BackendFact]
    public async Task A_blob_deleted_and_stored_again_in_another_frame_is_never_served_wrong()
    {
        await using var replica = await StartReplicaAsync();
        var content = TestData.Compressible(300_000, seed: 1);
        var digest = TestData.Digest(content);
        Assert.Equal(HttpStatusCode.Created, (await Http.PutAsync($"cas/{digest}", new ByteArrayContent(content))).StatusCode);
        Assert.Equal(content, await ReadAsync(replica.Http, digest, zstd: true)); // the replica now remembers the stored frame

        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"api/v1/cas/{digest}")).StatusCode);
        // The same content again, uploaded as a zstd frame of another size.
        var frame = Compress(content, level: 19);
        var upload = new ByteArrayContent(frame);
        upload.Headers.ContentEncoding.Add("zstd");
        Assert.Equal(HttpStatusCode.Created, (await Http.PutAsync($"cas/{digest}", upload)).StatusCode);

        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            foreach (var zstd in new[] { true, false })
            {
                var read = await replica.Http.SendAsync(Get(digest, zstd));
                Assert.True(read.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"the replica answered {read.StatusCode}");
                if (read.StatusCode == HttpStatusCode.OK) Assert.Equal(content, await TestData.BodyAsync(read));
            }
            if ((await replica.Http.SendAsync(Get(digest, zstd: true))).StatusCode == HttpStatusCode.OK) break;
            Assert.True(DateTime.UtcNow < deadline + TimeSpan.FromSeconds(1), "the replica does not serve the re-uploaded blob");
            await Task.Delay(100);
        }
    }

    [BackendFact]
    public async Task Deletes_and_overwrites_reach_the_other_replica_within_two_seconds()
    {
        await using var replica = await StartReplicaAsync();
        Assert.True((await Http.PutAsync("cache/k1", new ByteArrayContent([1]))).IsSuccessStatusCode);
        Assert.Equal([1], await replica.Http.GetByteArrayAsync("cache/k1")); // remembered by the replica

        Assert.True((await Http.PutAsync("cache/k1", new ByteArrayContent([2]))).IsSuccessStatusCode);
        await WithinBoundAsync("an overwritten entry", async () => (await replica.Http.GetByteArrayAsync("cache/k1")).SequenceEqual(new byte[] { 2 }));

        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync("api/v1/entries/gradle/k1")).StatusCode);
        await WithinBoundAsync("a deleted entry", async () => (await replica.Http.GetAsync("cache/k1")).StatusCode == HttpStatusCode.NotFound);

        var content = TestData.Random(20_000, seed: 2);
        var digest = TestData.Digest(content);
        Assert.Equal(HttpStatusCode.Created, (await Http.PutAsync($"cas/{digest}", new ByteArrayContent(content))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await replica.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"cas/{digest}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"api/v1/cas/{digest}")).StatusCode);
        await WithinBoundAsync("a deleted blob", async () =>
            (await replica.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"cas/{digest}"))).StatusCode == HttpStatusCode.NotFound
            && (await replica.Http.GetAsync($"cas/{digest}")).StatusCode == HttpStatusCode.NotFound);

        // An entry whose value is evicted stays in the database, incomplete, and out of the change log; the replica forgets it all the same.
        var value = TestData.Random(3_000, seed: 3);
        Assert.True((await Http.PutAsync("cache/k2", new ByteArrayContent(value))).IsSuccessStatusCode);
        Assert.Equal(value, await replica.Http.GetByteArrayAsync("cache/k2"));
        await IntegrityProbe.EvictAsync(Server, "default", TestData.Digest(value));
        await WithinBoundAsync("an entry whose value was evicted", async () => (await replica.Http.GetAsync("cache/k2")).StatusCode == HttpStatusCode.NotFound);
    }

    [BackendFact]
    public async Task What_a_replica_stores_is_found_at_once_by_a_server_that_trusted_its_presence_filter()
    {
        var filter = Server.Services.GetRequiredService<PresenceFilter>();
        // Alone on its SQLite file, the server answers misses from its filter once it is loaded.
        if (BackendMatrix.Current == BackendMatrix.Embedded) await Server.ActivePresenceFilterAsync();
        await using var replica = await StartReplicaAsync();
        Assert.False(filter.IsActive); // another server writes to the same database now (with PostgreSQL it never was)

        var content = TestData.Random(2_000, seed: 5);
        var digest = TestData.Digest(content);
        Assert.Equal(HttpStatusCode.Created, (await replica.Http.PutAsync($"cas/{digest}", new ByteArrayContent(content))).StatusCode);
        Assert.True((await replica.Http.PutAsync("cache/from-replica", new ByteArrayContent(content))).IsSuccessStatusCode);
        Assert.Equal(content, await Http.GetByteArrayAsync($"cas/{digest}"));
        Assert.Equal(content, await Http.GetByteArrayAsync("cache/from-replica"));
    }

    private static async Task WithinBoundAsync(string what, Func<Task<bool>> seen)
    {
        var started = DateTime.UtcNow;
        while (!await seen())
        {
            Assert.True(DateTime.UtcNow - started < Bound, $"the other replica still serves {what} after {Bound.TotalSeconds} s");
            await Task.Delay(50);
        }
    }

    private static HttpRequestMessage Get(Sha256Digest digest, bool zstd)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"cas/{digest}");
        if (zstd) request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("zstd"));
        return request;
    }

    private static async Task<byte[]> ReadAsync(HttpClient http, Sha256Digest digest, bool zstd)
    {
        var response = await http.SendAsync(Get(digest, zstd));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await TestData.BodyAsync(response);
    }

    private static byte[] Compress(byte[] content, int level)
    {
        using var frame = new MemoryStream();
        using (var compressor = new ZstdCompressStream(frame, level, leaveOpen: true)) compressor.Write(content);
        return frame.ToArray();
    }
}
