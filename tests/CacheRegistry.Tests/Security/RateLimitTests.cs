using System.Net;
using System.Net.Http.Headers;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Security;

[Collection(BackendCollection.Name)]
public sealed class RateLimitTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = TestAuth.Settings(
        ("CacheRegistry:RateLimit:PermitsPerSecond", "1"),
        ("CacheRegistry:RateLimit:Burst", "3"));

    [Fact]
    public async Task Each_token_has_its_own_budget()
    {
        var first = (await TestAuth.IssueAsync(Server, "first", "team:read")).Token;
        var second = (await TestAuth.IssueAsync(Server, "second", "team:read")).Token;

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++) statuses.Add(await GetAsync(first));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.NotFound, statuses[0]); // a normal answer before the budget ran out

        Assert.Equal(HttpStatusCode.NotFound, await GetAsync(second));
        for (var i = 0; i < 10; i++) Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("healthz")).StatusCode);
    }

    [Fact]
    public async Task A_refusal_says_when_to_try_again()
    {
        var token = (await TestAuth.IssueAsync(Server, "eager", "team:read")).Token;
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 10 && refused is null; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"team/cas/{TestData.Digest([7])}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await Http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
        }
        Assert.NotNull(refused);
        Assert.True(refused!.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, "429 carries Retry-After in seconds");
        Assert.Contains("try again", await refused.Content.ReadAsStringAsync());
    }

    private async Task<HttpStatusCode> GetAsync(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"team/cas/{TestData.Digest([7])}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await Http.SendAsync(request)).StatusCode;
    }
}
