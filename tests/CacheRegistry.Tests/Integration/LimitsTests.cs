using System.Net;
using System.Net.Http.Json;
using CacheRegistry.Common.Compression;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Integration;

/// <summary>Size limits, enforced while streaming: declared, undeclared (chunked) and zstd-bombed bodies.</summary>
[Collection(BackendCollection.Name)]
public sealed class LimitsTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private const int MaxBlob = 1024 * 1024;
    private const int MaxAction = 64 * 1024;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>
    {
        ["CacheRegistry:Limits:MaxBlobBytes"] = MaxBlob.ToString(),
        ["CacheRegistry:Limits:MaxActionEntryBytes"] = MaxAction.ToString(),
        ["CacheRegistry:Limits:MaxFindMissingDigests"] = "10",
    };

    [Fact]
    public async Task A_blob_at_the_limit_is_accepted()
    {
        var content = TestData.Random(MaxBlob);
        Assert.Equal(HttpStatusCode.Created, (await Server.Http.PutAsync($"cas/{TestData.Digest(content)}", new ByteArrayContent(content))).StatusCode);
    }

    [Fact]
    public async Task A_declared_oversize_blob_gets_413()
    {
        var content = TestData.Random(MaxBlob + 1);
        var response = await Server.Http.PutAsync($"cas/{TestData.Digest(content)}", new ByteArrayContent(content));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task An_undeclared_oversize_blob_gets_413_while_streaming()
    {
        var content = new StreamContent(new GeneratedStream(3L * MaxBlob, seed: 3)); // no length: sent chunked
        var digest = TestData.Digest([1]);
        var response = await Server.Http.PutAsync($"cas/{digest}", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_zstd_bomb_gets_413()
    {
        var zeros = new byte[16 * MaxBlob];
        var frame = new MemoryStream();
        await using (var compressor = new ZstdCompressStream(frame, leaveOpen: true)) await compressor.WriteAsync(zeros);
        Assert.True(frame.Length < MaxBlob / 16);

        var body = new ByteArrayContent(frame.ToArray());
        body.Headers.ContentEncoding.Add("zstd");
        var response = await Server.Http.PutAsync($"cas/{TestData.Digest(zeros)}", body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task An_oversize_action_entry_gets_413_and_keeps_the_old_value()
    {
        var key = TestData.Digest("action"u8.ToArray());
        Assert.Equal(HttpStatusCode.OK, (await Server.Http.PutAsync($"ac/{key}", new ByteArrayContent("kept"u8.ToArray()))).StatusCode);

        var response = await Server.Http.PutAsync($"ac/{key}", new ByteArrayContent(TestData.Random(MaxAction + 1)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("kept"u8.ToArray(), await Server.Http.GetByteArrayAsync($"ac/{key}"));
    }

    [Fact]
    public async Task Too_many_digests_in_one_find_missing_gets_400()
    {
        var digests = Enumerable.Range(0, 11).Select(i => TestData.Digest([(byte)i]).Hex).ToList();
        var response = await Server.Http.PostAsJsonAsync("api/v1/cas/find-missing", new { digests });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Oversized_headers_get_431()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"cas/{TestData.Digest([1])}");
        request.Headers.TryAddWithoutValidation("X-Padding", new string('a', 64 * 1024));
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, (await Server.Http.SendAsync(request)).StatusCode);
    }

    private async Task AssertNothingStoredAsync()
    {
        Assert.Empty(await Backend.ListStoredObjectsAsync());
        Assert.Empty(Directory.GetFiles(Backend.StagingDirectory));
    }
}
