using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Integration;

/// <summary>
/// Each protocol adapter's documented contract at the HTTP level (status codes, headers, key rules),
/// with the server-wide token enabled. Gradle has no usable client here, so this is its only test.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class ProtocolContractTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private const string Token = TestAuth.BootstrapToken;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } =
        TestAuth.Settings(("CacheRegistry:Limits:MaxBlobBytes", (1024 * 1024).ToString()));

    private HttpClient Authorized()
    {
        var http = new HttpClient { BaseAddress = Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return http;
    }

    // ---- Gradle ----------------------------------------------------------------------------------

    [Fact]
    public async Task Gradle_get_put_round_trip_with_basic_auth()
    {
        using var http = new HttpClient { BaseAddress = Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"gradle:{Token}")));
        const string key = "b9800f7a5e3a3bcb8e0e2e1ac7cd1a8d";

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"cache/{key}")).StatusCode);
        var entry = TestData.Compressible(200_000);
        var put = await http.PutAsync($"cache/{key}", new ByteArrayContent(entry));
        Assert.True(put.IsSuccessStatusCode, $"PUT answered {put.StatusCode}");
        Assert.Equal(entry, await http.GetByteArrayAsync($"cache/{key}"));
        Assert.True((await http.PutAsync($"cache/{key}", new ByteArrayContent(entry))).IsSuccessStatusCode, "overwriting must succeed");

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"other/cache/{key}")).StatusCode);
    }

    [Fact]
    public async Task Gradle_entries_over_the_limit_get_413()
    {
        using var http = Authorized();
        var response = await http.PutAsync("cache/abcdef0123456789", new ByteArrayContent(TestData.Random(1024 * 1024 + 1)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("cache/abcdef0123456789")).StatusCode);
    }

    // ---- Nx --------------------------------------------------------------------------------------

    [Fact]
    public async Task Nx_refuses_to_overwrite_and_answers_in_plain_text()
    {
        using var http = Authorized();
        const string hash = "12345678901234567890";
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"v1/cache/{hash}")).StatusCode);

        var first = TestData.Compressible(10_000, seed: 1);
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync($"v1/cache/{hash}", new ByteArrayContent(first))).StatusCode);
        var second = await http.PutAsync($"v1/cache/{hash}", new ByteArrayContent(TestData.Compressible(10_000, seed: 2)));
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("text/plain", second.Content.Headers.ContentType?.MediaType);

        var get = await http.GetAsync($"v1/cache/{hash}");
        Assert.Equal("application/octet-stream", get.Content.Headers.ContentType?.MediaType);
        Assert.Equal(first, await get.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Nx_requires_a_content_length_and_a_token()
    {
        using var http = Authorized();
        var chunked = new StreamContent(new GeneratedStream(1000, seed: 1));
        var response = await http.PutAsync("v1/cache/42", chunked);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Content-Length", await response.Content.ReadAsStringAsync());

        var anonymous = await Server.Http.PutAsync("v1/cache/42", new ByteArrayContent([1]));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("text/plain", anonymous.Content.Headers.ContentType?.MediaType);
    }

    // ---- Turborepo -------------------------------------------------------------------------------

    [Fact]
    public async Task Turborepo_keeps_artifact_headers_and_scopes_by_team()
    {
        using var http = Authorized();
        Assert.Equal("enabled", (await http.GetFromJsonAsync<JsonElement>("v8/artifacts/status?slug=acme")).GetProperty("status").GetString());

        var body = TestData.Random(5000);
        var put = new HttpRequestMessage(HttpMethod.Put, "v8/artifacts/0123abcd4567ef89?slug=acme") { Content = new ByteArrayContent(body) };
        put.Headers.Add("x-artifact-duration", "1234");
        put.Headers.Add("x-artifact-tag", "signature-tag");
        put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        Assert.True((await http.SendAsync(put)).IsSuccessStatusCode);

        var get = await http.GetAsync("v8/artifacts/0123abcd4567ef89?slug=acme");
        Assert.Equal(body, await get.Content.ReadAsByteArrayAsync());
        Assert.Equal("1234", get.Headers.GetValues("x-artifact-duration").Single());
        Assert.Equal("signature-tag", get.Headers.GetValues("x-artifact-tag").Single());
        var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "v8/artifacts/0123abcd4567ef89?slug=acme"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("signature-tag", head.Headers.GetValues("x-artifact-tag").Single());

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("v8/artifacts/0123abcd4567ef89?slug=other")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("v8/artifacts/0123abcd4567ef89")).StatusCode);
        Assert.Equal(body, await http.GetByteArrayAsync("v8/artifacts/0123abcd4567ef89?teamId=acme"));
    }

    [Fact]
    public async Task Turborepo_answers_artifact_queries_and_accepts_events()
    {
        using var http = Authorized();
        var put = new HttpRequestMessage(HttpMethod.Put, "v8/artifacts/aaaa000011112222?slug=acme") { Content = new ByteArrayContent(new byte[700]) };
        put.Headers.Add("x-artifact-duration", "50");
        put.Headers.Add("x-artifact-tag", "c2lnbmVk+/=");
        await http.SendAsync(put);
        await http.PutAsync("v8/artifacts/cccc000011112222?slug=acme", new ByteArrayContent(new byte[3]));

        string[] hashes = ["bbbb000011112222", "aaaa000011112222", "cccc000011112222", "aaaa000011112222"];
        var query = await http.PostAsJsonAsync("v8/artifacts?slug=acme", new { hashes });
        Assert.Equal("application/json", query.Content.Headers.ContentType?.MediaType);
        var answer = await query.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["bbbb000011112222", "aaaa000011112222", "cccc000011112222"], answer.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("bbbb000011112222").ValueKind);
        Assert.Equal(700, answer.GetProperty("aaaa000011112222").GetProperty("size").GetInt64());
        Assert.Equal(50, answer.GetProperty("aaaa000011112222").GetProperty("taskDurationMs").GetInt64());
        Assert.Equal("c2lnbmVk+/=", answer.GetProperty("aaaa000011112222").GetProperty("tag").GetString());
        Assert.Equal(3, answer.GetProperty("cccc000011112222").GetProperty("size").GetInt64());
        Assert.Equal(0, answer.GetProperty("cccc000011112222").GetProperty("taskDurationMs").GetInt64());
        Assert.False(answer.GetProperty("cccc000011112222").TryGetProperty("tag", out _));

        var events = await http.PostAsJsonAsync("v8/artifacts/events?slug=acme",
            new[] { new { sessionId = "s", source = "REMOTE", @event = "HIT", hash = "aaaa000011112222", duration = 50 } });
        Assert.Equal(HttpStatusCode.OK, events.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("v8/artifacts/events", new StringContent("{nope", Encoding.UTF8, "application/json"))).StatusCode);
    }

    // ---- ccache ----------------------------------------------------------------------------------

    [Theory]
    [InlineData("ccache/45/78ksg2utcunjpos8moq8lbr7jussam4")]
    [InlineData("ccache/4578ksg2utcunjpos8moq8lbr7jussam4")]
    [InlineData("team/ccache/my/prefix/ac/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public async Task Ccache_entries_support_every_verb(string path)
    {
        using var http = Authorized();
        var value = TestData.Compressible(30_000);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path))).StatusCode);
        Assert.True((await http.PutAsync(path, new ByteArrayContent(value))).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path))).StatusCode);
        Assert.Equal(value, await http.GetByteArrayAsync(path));
        Assert.True((await http.PutAsync(path, new ByteArrayContent(value.Reverse().ToArray()))).IsSuccessStatusCode);
        Assert.Equal(value.Reverse().ToArray(), await http.GetByteArrayAsync(path));

        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync(path)).StatusCode);
    }

    [Theory]
    [InlineData("ccache/..%2F..%2Fetc%2Fpasswd", HttpStatusCode.BadRequest)]
    [InlineData("ccache/a%00b", HttpStatusCode.BadRequest)]
    [InlineData("ccache/key.with.dots", HttpStatusCode.BadRequest)]
    [InlineData("ccache/1/2/3/4/5/6/7/8/9", HttpStatusCode.BadRequest)]
    [InlineData("v1/cache/not..valid", HttpStatusCode.BadRequest)]
    [InlineData("cache/has%20space", HttpStatusCode.BadRequest)]
    [InlineData("v8/artifacts/abc%2Fdef", HttpStatusCode.BadRequest)]
    [InlineData("ccache/a/../../b", HttpStatusCode.NotFound)] // dot segments are resolved before routing: it is "/b"
    public async Task Malformed_protocol_keys_are_refused(string path, HttpStatusCode expected)
    {
        using var http = Authorized();
        Assert.Equal(expected, (await http.PutAsync(path, new ByteArrayContent([1, 2, 3]))).StatusCode);
        Assert.Empty(await Backend.ListStoredObjectsAsync());
    }

    // ---- auth ------------------------------------------------------------------------------------

    [Fact]
    public async Task A_missing_or_wrong_token_is_a_401_naming_both_schemes()
    {
        var anonymous = await Server.Http.GetAsync("cache/abcdef");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains(anonymous.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
        Assert.Contains(anonymous.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");

        var wrong = new HttpRequestMessage(HttpMethod.Get, "cache/abcdef");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Http.SendAsync(wrong)).StatusCode);
    }

    [Fact]
    public async Task Health_endpoints_need_no_token()
    {
        Assert.Equal(HttpStatusCode.OK, (await Server.Http.GetAsync("healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Server.Http.GetAsync("readyz")).StatusCode);
    }

    [Fact]
    public async Task Hits_and_misses_are_counted_per_protocol_and_namespace()
    {
        using var http = Authorized();
        await http.PutAsync("team/cache/k1", new ByteArrayContent([1]));
        await http.GetAsync("team/cache/k1");
        await http.GetAsync("team/cache/k2");
        await http.GetAsync("team/cache/k3");

        var stats = await http.GetFromJsonAsync<JsonElement>("api/v1/admin/stats");
        var gradle = stats.GetProperty("protocols").EnumerateArray().Single(s => s.GetProperty("protocol").GetString() == "gradle" && s.GetProperty("namespace").GetString() == "team");
        Assert.Equal(1, gradle.GetProperty("hits").GetInt64());
        Assert.Equal(2, gradle.GetProperty("misses").GetInt64());
        Assert.Equal(1, gradle.GetProperty("writes").GetInt64());
    }

}
