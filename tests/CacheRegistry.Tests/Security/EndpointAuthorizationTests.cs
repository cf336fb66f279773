using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Http.Authorization;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CacheRegistry.Tests.Security;

/// <summary>
/// Every endpoint the server maps, found in its endpoint data source (not a hand-written list), declares
/// who may call it, and the declaration holds: no token is a 401, a token for another namespace (or
/// short of operator) a 403, the right scope neither; the dashboard's pages for any signed-in caller refuse
/// only missing or rejected tokens. A route added without a declaration fails here.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class EndpointAuthorizationTests(BackendInfrastructure infrastructure, ITestOutputHelper output) : ServerTest(infrastructure)
{
    private const string Namespace = "team-b";
    private static readonly string Digest = TestData.Digest("build output"u8.ToArray()).Hex;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = TestAuth.Settings();

    [BackendFact]
    public void Every_endpoint_declares_who_may_call_it()
    {
        var undeclared = Endpoints().Where(e => Declaration(e) is null).Select(e => e.DisplayName).ToList();
        Assert.True(undeclared.Count == 0, $"endpoints without an authorization declaration: {string.Join(", ", undeclared)}");
        var both = Endpoints().Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null && e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any()).ToList();
        Assert.Empty(both.Select(e => e.DisplayName)); // anonymous would silently override the policy
        // Only health probes, and the dashboard's sign-in and static files, are open to anyone.
        Assert.Equal(["/dashboard/assets/{file}", "/dashboard/signin", "/dashboard/signin", "/dashboard/signout", "/healthz", "/readyz"],
            Endpoints().Where(e => Declaration(e) == "anonymous").Select(e => e.RoutePattern.RawText!).Order(StringComparer.Ordinal));
    }

    [BackendFact]
    public async Task Every_route_and_method_answers_401_without_a_token_403_outside_its_scope_and_serves_the_right_scope()
    {
        var nsAdmin = (await TestAuth.IssueAsync(Server, "namespace admin", $"{Namespace}:admin", "default:admin")).Token;
        var otherAdmin = (await TestAuth.IssueAsync(Server, "another namespace", "team-other:admin")).Token;
        var teamAdmin = (await TestAuth.IssueAsync(Server, "all teams, not operator", "team-*:admin")).Token;
        var failures = new List<string>();
        var checkedCount = 0;
        // Content in team-b, none in team-c: a refusal must not tell them apart.
        var content = "build output"u8.ToArray();
        using (var seed = new HttpRequestMessage(HttpMethod.Put, $"{Namespace}/cas/{Digest}") { Content = new ByteArrayContent(content) })
        {
            seed.Headers.Authorization = new AuthenticationHeaderValue("Bearer", nsAdmin);
            Assert.Equal(HttpStatusCode.Created, (await Http.SendAsync(seed)).StatusCode);
        }

        var revoked = await TestAuth.IssueAsync(Server, "revoked", "*:admin");
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync("DELETE", $"api/v1/tokens/{revoked.Info.Id}", TestAuth.BootstrapToken)).Status);
        foreach (var endpoint in Endpoints())
        {
            var declaration = Declaration(endpoint);
            if (declaration == "anonymous") continue;
            if (declaration == CachePolicies.SignedIn)
            {
                // Pages that show each caller what its scopes reach: any valid token, none refused by scope.
                var page = SamplePath(endpoint);
                checkedCount++;
                Expect(failures, $"GET /{page} (signed in)", "no token", (await SendAsync("GET", page, token: null)).Status, s => s == HttpStatusCode.Unauthorized);
                Expect(failures, $"GET /{page} (signed in)", "a revoked token", (await SendAsync("GET", page, revoked.Token)).Status, s => s == HttpStatusCode.Unauthorized);
                Expect(failures, $"GET /{page} (signed in)", "a token for another namespace", (await SendAsync("GET", page, otherAdmin)).Status, s => s == HttpStatusCode.OK);
                continue;
            }
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                var path = SamplePath(endpoint);
                checkedCount++;
                var described = $"{method} /{path} ({declaration})";
                Expect(failures, described, "no token", (await SendAsync(method, path, token: null)).Status, s => s == HttpStatusCode.Unauthorized);
                var outside = declaration == CachePolicies.Operator ? teamAdmin : otherAdmin;
                var refused = await SendAsync(method, path, outside);
                Expect(failures, described, "a token outside its scope", refused.Status, s => s == HttpStatusCode.Forbidden);
                if (path.Contains(Namespace))
                {
                    var empty = await SendAsync(method, path.Replace(Namespace, "team-c"), outside);
                    if (empty.Status != refused.Status || empty.Body.Replace("team-c", Namespace) != refused.Body)
                    {
                        failures.Add($"{described}: the refusal differs where nothing is stored ({(int)empty.Status} {empty.Body} against {(int)refused.Status} {refused.Body})");
                    }
                }
                var right = declaration == CachePolicies.Operator ? TestAuth.BootstrapToken : nsAdmin;
                Expect(failures, described, "the right scope", (await SendAsync(method, path, right)).Status,
                    s => s is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)s < 500);
            }
        }
        output.WriteLine($"checked {checkedCount} route and method pairs over {Endpoints().Count} endpoints");
        Assert.True(checkedCount > 40, $"only {checkedCount} routes were checked");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private IReadOnlyList<RouteEndpoint> Endpoints() =>
        Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

    /// <summary>The endpoint's declared access: "anonymous", a policy name, or null when it declares nothing.</summary>
    private static string? Declaration(RouteEndpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null ? "anonymous"
            : endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);

    // A request path that reaches the endpoint, in namespace team-b where it has one.
    private static string SamplePath(RouteEndpoint endpoint)
    {
        var template = endpoint.RoutePattern.RawText!.TrimStart('/');
        var values = new Dictionary<string, string>
        {
            ["{ns}"] = Namespace, ["{digest}"] = Digest, ["{key}"] = Digest, ["{**path}"] = "ab/cdef", ["{hash}"] = "abcdef0123456789",
            ["{name}"] = "tool", ["{version}"] = "1.0.0", ["{tag}"] = "stable", ["{id}"] = "0123456789abcdef0123456789abcdef",
            ["{number}"] = "1", ["{protocol}"] = "gradle", ["{**key}"] = "abc",
        };
        foreach (var (parameter, value) in values) template = template.Replace(parameter, value);
        Assert.DoesNotContain("{", template);
        if (endpoint.Metadata.GetMetadata<NamespaceSourceMetadata>()?.Source == NamespaceSource.TurborepoTeam) template += $"?slug={Namespace}";
        return template;
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(string method, string path, string? token)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "PUT" or "POST") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        // A problem body's trace id differs per request; the rest must not.
        return (response.StatusCode, System.Text.RegularExpressions.Regex.Replace(body, "\"traceId\":\"[^\"]*\"", ""));
    }

    private static void Expect(List<string> failures, string request, string caller, HttpStatusCode status, Func<HttpStatusCode, bool> expected)
    {
        if (!expected(status)) failures.Add($"{request} with {caller}: {(int)status}");
    }
}
