using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Compression;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Integration;

/// <summary>
/// The HTTP contract of the cache core, over real HTTP against a real server. Each concrete subclass
/// runs every test against one storage configuration; each test gets a fresh, empty store.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class CacheServerContractTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    // ---- content-addressed storage ---------------------------------------------------------------

    [BackendFact]
    public async Task Put_then_get_returns_the_same_bytes()
    {
        var content = TestData.Compressible(300_000);
        var digest = TestData.Digest(content);

        var put = await Http.PutAsync($"cas/{digest}", new ByteArrayContent(content));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        var get = await Http.GetAsync($"cas/{digest}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Empty(get.Content.Headers.ContentEncoding);
        Assert.Equal(content.Length, get.Content.Headers.ContentLength);
        Assert.Equal(content, await get.Content.ReadAsByteArrayAsync());

        var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"cas/{digest}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(content.Length, head.Content.Headers.ContentLength);
    }

    [BackendFact]
    public async Task Every_byte_comes_back_at_the_sizes_where_reads_change_how_they_copy()
    {
        // Up to 64 KiB a local blob is read into the response's buffers at once, above it copied 1 MiB at a time.
        foreach (var size in new[] { 1, 4_095, 4_097, 65_535, 65_536, 65_537, 1_048_576, 1_048_577, 3_145_735 })
        {
            var content = TestData.Random(size, seed: size);
            var digest = await PutAsync(content);

            var get = await Http.GetAsync($"cas/{digest}");
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(size, get.Content.Headers.ContentLength);
            var body = await get.Content.ReadAsByteArrayAsync();
            Assert.True(content.AsSpan().SequenceEqual(body), $"the {size}-byte blob came back different");
        }
    }

    [BackendFact]
    public async Task Zstd_and_identity_reads_of_the_same_blob_agree()
    {
        var content = TestData.Compressible(500_000);
        var digest = await PutAsync(content);

        var request = new HttpRequestMessage(HttpMethod.Get, $"cas/{digest}");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("zstd"));
        var zstd = await Http.SendAsync(request);
        Assert.Equal("zstd", Assert.Single(zstd.Content.Headers.ContentEncoding));
        var frame = await zstd.Content.ReadAsByteArrayAsync();
        Assert.True(frame.Length < content.Length / 2, "the stored frame is sent as it is, compressed");
        Assert.Equal(frame.Length, zstd.Content.Headers.ContentLength);
        Assert.Equal(content, await DecompressAsync(frame));

        var identity = await Http.GetByteArrayAsync($"cas/{digest}");
        Assert.Equal(content, identity);

        // zstd;q=0 means "not zstd".
        var refused = new HttpRequestMessage(HttpMethod.Get, $"cas/{digest}");
        refused.Headers.TryAddWithoutValidation("Accept-Encoding", "zstd;q=0, gzip");
        var plain = await Http.SendAsync(refused);
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        Assert.Equal(content, await plain.Content.ReadAsByteArrayAsync());
    }

    [BackendFact]
    public async Task Blobs_under_4_KiB_are_stored_as_they_are_even_when_compressible()
    {
        var small = TestData.Compressible(4095);
        var large = TestData.Compressible(4096);
        await PutAsync(small);
        await PutAsync(large);

        var smallInfo = await Http.GetFromJsonAsync<BlobInfo>($"api/v1/blobs/{TestData.Digest(small)}");
        Assert.Equal("identity", smallInfo!.Encoding);
        Assert.Equal(small.Length, smallInfo.StoredSize);
        var largeInfo = await Http.GetFromJsonAsync<BlobInfo>($"api/v1/blobs/{TestData.Digest(large)}");
        Assert.Equal("zstd", largeInfo!.Encoding);
        Assert.Equal(small, await Http.GetByteArrayAsync($"cas/{TestData.Digest(small)}"));
        Assert.Equal(large, await Http.GetByteArrayAsync($"cas/{TestData.Digest(large)}"));
    }

    [BackendFact]
    public async Task Incompressible_blobs_are_stored_uncompressed_and_compressible_ones_compressed()
    {
        var random = TestData.Random(200_000);
        var text = TestData.Compressible(200_000);
        await PutAsync(random);
        await PutAsync(text);

        var randomInfo = await Http.GetFromJsonAsync<BlobInfo>($"api/v1/blobs/{TestData.Digest(random)}");
        Assert.Equal("identity", randomInfo!.Encoding);
        Assert.Equal(random.Length, randomInfo.StoredSize);
        var textInfo = await Http.GetFromJsonAsync<BlobInfo>($"api/v1/blobs/{TestData.Digest(text)}");
        Assert.Equal("zstd", textInfo!.Encoding);
        Assert.True(textInfo.StoredSize < text.Length / 2);

        var stored = await Backend.ListStoredObjectsAsync();
        // Object keys: the digest, a write id, and ".zst" for compressed content.
        Assert.Contains(stored, key => key.Contains(TestData.Digest(random).Hex) && !key.EndsWith(".zst"));
        Assert.Contains(stored, key => key.Contains(TestData.Digest(text).Hex) && key.EndsWith(".zst"));

        // Asking for zstd gets identity bytes when the blob is stored uncompressed.
        var request = new HttpRequestMessage(HttpMethod.Get, $"cas/{TestData.Digest(random)}");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("zstd"));
        var response = await Http.SendAsync(request);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal(random, await response.Content.ReadAsByteArrayAsync());
    }

    [BackendFact]
    public async Task Wrong_digest_is_rejected_and_nothing_is_stored()
    {
        var content = TestData.Compressible(100_000);
        var wrong = TestData.Digest("something else"u8.ToArray());

        var put = await Http.PutAsync($"cas/{wrong}", new ByteArrayContent(content));
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        var problem = await put.Content.ReadFromJsonAsync<ProblemBody>();
        Assert.Contains(TestData.Digest(content).Hex, problem!.Detail);

        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"cas/{wrong}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"cas/{TestData.Digest(content)}")).StatusCode);
        Assert.Empty(await Backend.ListStoredObjectsAsync());
        Assert.Empty(Directory.GetFiles(Backend.StagingDirectory));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"api/v1/blobs/{TestData.Digest(content)}")).StatusCode);
    }

    [BackendFact]
    public async Task Wrong_digest_for_an_existing_blob_leaves_it_intact()
    {
        var content = TestData.Compressible(50_000);
        var digest = await PutAsync(content);

        var put = await Http.PutAsync($"cas/{digest}", new ByteArrayContent(TestData.Compressible(50_000, seed: 9)));
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal(content, await Http.GetByteArrayAsync($"cas/{digest}"));
    }

    [BackendTheory]
    [InlineData("cas/abc")]
    [InlineData("cas/E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    [InlineData("cas/..%2F..%2Fetc%2Fpasswd")]
    [InlineData("ac/not-a-key")]
    [InlineData("bad%20namespace/cas/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData(".hidden/cas/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public async Task Malformed_keys_and_namespaces_get_400(string path)
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.PutAsync(path, new ByteArrayContent([1, 2, 3]))).StatusCode);
        Assert.Empty(await Backend.ListStoredObjectsAsync());
    }

    [BackendFact]
    public async Task The_empty_blob_always_exists()
    {
        var empty = Sha256Digest.Empty;
        var get = await Http.GetAsync($"cas/{empty}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Empty(await get.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"some-namespace/cas/{empty}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"cas/{empty}"))).StatusCode);
        Assert.Empty(await FindMissingAsync(null, empty));

        Assert.True((await Http.PutAsync($"cas/{empty}", new ByteArrayContent([]))).IsSuccessStatusCode);
        Assert.Empty(await Backend.ListStoredObjectsAsync());
    }

    [BackendFact]
    public async Task A_50_MiB_blob_streams_through_in_both_directions()
    {
        const long size = 50L * 1024 * 1024;
        var (digest, _) = await Sha256Digest.OfStreamAsync(new GeneratedStream(size, seed: 50));

        var content = new StreamContent(new GeneratedStream(size, seed: 50));
        content.Headers.ContentLength = size;
        var put = await Http.PutAsync($"cas/{digest}", content);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        using var response = await Http.GetAsync($"cas/{digest}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(size, response.Content.Headers.ContentLength);
        var (downloaded, length) = await Sha256Digest.OfStreamAsync(await response.Content.ReadAsStreamAsync());
        Assert.Equal(size, length);
        Assert.Equal(digest, downloaded);
    }

    [BackendFact]
    public async Task Concurrent_uploads_of_the_same_blob_store_it_once()
    {
        var content = TestData.Compressible(5 * 1024 * 1024);
        var digest = TestData.Digest(content);
        var zstdFrame = await CompressAsync(content);

        var uploads = Enumerable.Range(0, 8).Select(async i =>
        {
            using var http = new HttpClient { BaseAddress = Server.BaseAddress };
            var body = i % 2 == 0 ? new ByteArrayContent(content) : new ByteArrayContent(zstdFrame);
            if (i % 2 == 1) body.Headers.ContentEncoding.Add("zstd");
            var ns = i < 4 ? "" : "other/";
            return (await http.PutAsync($"{ns}cas/{digest}", body)).StatusCode;
        });
        var statuses = await Task.WhenAll(uploads);

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.OK, $"status {s}"));
        Assert.Equal(content, await Http.GetByteArrayAsync($"cas/{digest}"));
        Assert.Equal(content, await Http.GetByteArrayAsync($"other/cas/{digest}"));
        var stored = await Backend.ListStoredObjectsAsync();
        Assert.Single(stored, key => key.Contains(digest.Hex));
        Assert.Empty(Directory.GetFiles(Backend.StagingDirectory));
        var info = await Http.GetFromJsonAsync<BlobInfo>($"api/v1/blobs/{digest}");
        Assert.Equal(["default", "other"], info!.Namespaces);
    }

    [BackendFact]
    public async Task Blobs_survive_a_restart()
    {
        var content = TestData.Compressible(100_000);
        var digest = await PutAsync(content);
        var key = TestData.Digest("action"u8.ToArray());
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"ac/{key}", new ByteArrayContent("result"u8.ToArray()))).StatusCode);

        Server = await Server.RestartAsync();

        Assert.Equal(content, await Http.GetByteArrayAsync($"cas/{digest}"));
        Assert.Equal("result"u8.ToArray(), await Http.GetByteArrayAsync($"ac/{key}"));
    }

    [BackendFact]
    public async Task Namespaces_see_only_what_they_uploaded_but_content_is_stored_once()
    {
        var content = TestData.Compressible(80_000);
        var digest = TestData.Digest(content);
        Assert.Equal(HttpStatusCode.Created, (await Http.PutAsync($"team-a/cas/{digest}", new ByteArrayContent(content))).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"team-b/cas/{digest}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"team-b/cas/{digest}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"cas/{digest}")).StatusCode);
        Assert.Equal([digest.Hex], await FindMissingAsync("team-b", digest));
        Assert.Empty(await FindMissingAsync("team-a", digest));

        // Uploading the same content in team-b makes it visible there without storing it again.
        Assert.Equal(HttpStatusCode.Created, (await Http.PutAsync($"team-b/cas/{digest}", new ByteArrayContent(content))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"team-b/cas/{digest}", new ByteArrayContent(content))).StatusCode);
        Assert.Equal(content, await Http.GetByteArrayAsync($"team-b/cas/{digest}"));
        Assert.Single(await Backend.ListStoredObjectsAsync());
    }

    [BackendFact]
    public async Task Uploading_known_content_to_a_namespace_still_needs_the_right_bytes()
    {
        var content = TestData.Compressible(10_000);
        var digest = TestData.Digest(content);
        await PutAsync(content, "team-a");

        var forged = await Http.PutAsync($"team-b/cas/{digest}", new ByteArrayContent([1, 2, 3]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"team-b/cas/{digest}")).StatusCode);
    }

    [BackendFact]
    public async Task Zstd_uploads_are_verified_after_decompression_and_kept_as_sent()
    {
        var content = TestData.Compressible(400_000);
        var digest = TestData.Digest(content);
        var frame = await CompressAsync(content);

        var put = await Http.PutAsync($"cas/{digest}", Zstd(frame));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(content, await Http.GetByteArrayAsync($"cas/{digest}"));
        var info = await Http.GetFromJsonAsync<BlobInfo>($"api/v1/blobs/{digest}");
        Assert.Equal(frame.Length, info!.StoredSize);

        var other = TestData.Digest(TestData.Compressible(400_000, seed: 2));
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.PutAsync($"cas/{other}", Zstd(frame))).StatusCode);
    }

    [BackendFact]
    public async Task Corrupt_zstd_uploads_are_rejected()
    {
        var content = TestData.Compressible(100_000);
        var frame = await CompressAsync(content);
        frame[frame.Length / 2] ^= 0xFF;
        frame[frame.Length / 2 + 1] ^= 0xFF;

        var put = await Http.PutAsync($"cas/{TestData.Digest(content)}", Zstd(frame));
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        var truncated = await Http.PutAsync($"cas/{TestData.Digest(content)}", Zstd((await CompressAsync(content))[..100]));
        Assert.Equal(HttpStatusCode.BadRequest, truncated.StatusCode);
        Assert.Empty(await Backend.ListStoredObjectsAsync());
        Assert.Empty(Directory.GetFiles(Backend.StagingDirectory));
    }

    [BackendFact]
    public async Task Unsupported_content_encoding_gets_415()
    {
        var content = new ByteArrayContent([1, 2, 3]);
        content.Headers.ContentEncoding.Add("gzip");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Http.PutAsync($"cas/{TestData.Digest([1, 2, 3])}", content)).StatusCode);
    }

    [BackendFact]
    public async Task A_body_cut_short_leaves_nothing_behind()
    {
        var digest = TestData.Digest(TestData.Random(100_000));
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(Server.BaseAddress.Host, Server.BaseAddress.Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"PUT /cas/{digest} HTTP/1.1\r\nHost: {Server.BaseAddress.Authority}\r\nContent-Length: 100000\r\n\r\n"));
            await stream.WriteAsync(TestData.Random(30_000));
            await stream.FlushAsync();
        }

        await WaitUntilAsync(() => Directory.GetFiles(Backend.StagingDirectory).Length == 0, "staging directory emptied");
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"cas/{digest}")).StatusCode);
        Assert.Empty(await Backend.ListStoredObjectsAsync());
    }

    [BackendFact]
    public async Task A_content_length_shorter_than_the_body_is_caught_by_the_digest()
    {
        var body = TestData.Random(5000);
        var digest = TestData.Digest(body);
        using var socket = new TcpClient();
        await socket.ConnectAsync(Server.BaseAddress.Host, Server.BaseAddress.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"PUT /cas/{digest} HTTP/1.1\r\nHost: {Server.BaseAddress.Authority}\r\nContent-Length: 4500\r\n\r\n")); // over 4 KiB: stored, the part would be an object
        await stream.WriteAsync(body);
        var reply = new byte[64];
        var read = await stream.ReadAsync(reply);
        Assert.StartsWith("HTTP/1.1 400", Encoding.ASCII.GetString(reply, 0, read));

        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"cas/{digest}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"cas/{TestData.Digest(body[..4500])}")).StatusCode);
        Assert.Empty(await Backend.ListStoredObjectsAsync());
    }

    // ---- find-missing ----------------------------------------------------------------------------

    [BackendFact]
    public async Task Find_missing_answers_thousands_of_digests()
    {
        var present = new List<Sha256Digest>();
        for (var i = 0; i < 40; i++) present.Add(await PutAsync(Encoding.UTF8.GetBytes($"blob {i}")));
        var absent = Enumerable.Range(0, 4960).Select(i => TestData.Digest(Encoding.UTF8.GetBytes($"absent {i}"))).ToList();
        var all = present.Concat(absent).OrderBy(d => d.Hex).ToArray();

        var missing = await FindMissingAsync(null, all);

        Assert.Equal(absent.Select(d => d.Hex).Order(), missing.Order());
        Assert.Equal(all.Length, await FindMissingAsync("elsewhere", all).ContinueWith(t => t.Result.Count));
    }

    [BackendFact]
    public async Task Find_missing_rejects_malformed_requests()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.PostAsJsonAsync("api/v1/cas/find-missing", new { digests = new[] { "nope" } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.PostAsync("api/v1/cas/find-missing", new StringContent("{", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.PostAsJsonAsync("api/v1/cas/find-missing", new { other = 1 })).StatusCode);
    }

    // ---- action cache ----------------------------------------------------------------------------

    [BackendFact]
    public async Task Action_entries_round_trip_and_the_latest_write_wins()
    {
        var key = TestData.Digest("compile main.c"u8.ToArray());
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"ac/{key}")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"ac/{key}", new ByteArrayContent("first"u8.ToArray()))).StatusCode);
        Assert.Equal("first"u8.ToArray(), await Http.GetByteArrayAsync($"ac/{key}"));
        var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"ac/{key}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(5, head.Content.Headers.ContentLength);

        var large = TestData.Compressible(2_000_000);
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"ac/{key}", new ByteArrayContent(large))).StatusCode);
        Assert.Equal(large, await Http.GetByteArrayAsync($"ac/{key}"));

        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"ac/{key}", new ByteArrayContent([]))).StatusCode);
        Assert.Empty(await Http.GetByteArrayAsync($"ac/{key}"));
    }

    [BackendFact]
    public async Task Action_entries_are_per_namespace()
    {
        var key = TestData.Digest("link app"u8.ToArray());
        await Http.PutAsync($"team-a/ac/{key}", new ByteArrayContent("a"u8.ToArray()));
        await Http.PutAsync($"team-b/ac/{key}", new ByteArrayContent("b"u8.ToArray()));

        Assert.Equal("a"u8.ToArray(), await Http.GetByteArrayAsync($"team-a/ac/{key}"));
        Assert.Equal("b"u8.ToArray(), await Http.GetByteArrayAsync($"team-b/ac/{key}"));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"ac/{key}")).StatusCode);
    }

    [BackendFact]
    public async Task Concurrent_action_writes_leave_one_complete_value()
    {
        var key = TestData.Digest("racy action"u8.ToArray());
        var values = Enumerable.Range(0, 10).Select(i => TestData.Compressible(50_000, seed: i)).ToList();

        await Task.WhenAll(values.Select(async v =>
        {
            using var http = new HttpClient { BaseAddress = Server.BaseAddress };
            Assert.Equal(HttpStatusCode.OK, (await http.PutAsync($"ac/{key}", new ByteArrayContent(v))).StatusCode);
        }));

        var final = await Http.GetByteArrayAsync($"ac/{key}");
        Assert.Contains(values, v => v.AsSpan().SequenceEqual(final));
    }

    // ---- keyed-entry protocols --------------------------------------------------------------------

    [BackendFact]
    public async Task Gradle_ccache_Nx_and_Turborepo_entries_round_trip()
    {
        var value = TestData.Compressible(100_000);

        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("team/cache/0123456789abcdef")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Http.PutAsync("team/cache/0123456789abcdef", new ByteArrayContent(value))).StatusCode);
        Assert.Equal(value, await Http.GetByteArrayAsync("team/cache/0123456789abcdef"));

        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync("team/ccache/ab/cdef0123", new ByteArrayContent(value))).StatusCode);
        Assert.Equal(value, await Http.GetByteArrayAsync("team/ccache/ab/cdef0123"));
        Assert.Equal(HttpStatusCode.OK, (await Http.DeleteAsync("team/ccache/ab/cdef0123")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("team/ccache/ab/cdef0123")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync("team/v1/cache/987654321", new ByteArrayContent(value))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Http.PutAsync("team/v1/cache/987654321", new ByteArrayContent([1]))).StatusCode);
        Assert.Equal(value, await Http.GetByteArrayAsync("team/v1/cache/987654321"));

        var put = new HttpRequestMessage(HttpMethod.Put, "v8/artifacts/feedc0ffee123456?slug=team") { Content = new ByteArrayContent(value) };
        put.Headers.Add("x-artifact-duration", "321");
        Assert.True((await Http.SendAsync(put)).IsSuccessStatusCode);
        var get = await Http.GetAsync("v8/artifacts/feedc0ffee123456?slug=team");
        Assert.Equal(value, await get.Content.ReadAsByteArrayAsync());
        Assert.Equal("321", get.Headers.GetValues("x-artifact-duration").Single());

        // Four entries, one value: stored once.
        Assert.Single(await Backend.ListStoredObjectsAsync());
        // Each protocol has its own key space.
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("team/cache/987654321")).StatusCode);
    }

    // ---- operations ------------------------------------------------------------------------------

    [BackendFact]
    public async Task Health_and_readiness_answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("readyz")).StatusCode);
    }

    [BackendFact]
    public async Task Hits_are_recorded_in_the_background()
    {
        var digest = await PutAsync(TestData.Compressible(1000));
        for (var i = 0; i < 3; i++) await Http.GetByteArrayAsync($"cas/{digest}");

        await WaitUntilAsync(async () => (await Http.GetFromJsonAsync<BlobInfo>($"api/v1/blobs/{digest}"))!.HitCount == 3, "three hits recorded");
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private async Task<Sha256Digest> PutAsync(byte[] content, string? ns = null)
    {
        var digest = TestData.Digest(content);
        var response = await Http.PutAsync($"{(ns is null ? "" : ns + "/")}cas/{digest}", new ByteArrayContent(content));
        Assert.True(response.IsSuccessStatusCode, $"PUT answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return digest;
    }

    private async Task<IReadOnlyList<string>> FindMissingAsync(string? ns, params Sha256Digest[] digests)
    {
        var response = await Http.PostAsJsonAsync($"{(ns is null ? "" : ns + "/")}api/v1/cas/find-missing",
            new FindMissingRequest(digests.Select(d => d.Hex).ToList()));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<FindMissingResponse>())!.Missing;
    }

    private static ByteArrayContent Zstd(byte[] frame)
    {
        var content = new ByteArrayContent(frame);
        content.Headers.ContentEncoding.Add("zstd");
        return content;
    }

    private static async Task<byte[]> CompressAsync(byte[] content)
    {
        var output = new MemoryStream();
        await using (var compressor = new ZstdCompressStream(output, leaveOpen: true)) await compressor.WriteAsync(content);
        return output.ToArray();
    }

    private static async Task<byte[]> DecompressAsync(byte[] frame)
    {
        await using var decompressor = new ZstdDecompressStream(new MemoryStream(frame));
        var output = new MemoryStream();
        await decompressor.CopyToAsync(output);
        return output.ToArray();
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for: {what}");
            await Task.Delay(50);
        }
    }
}
