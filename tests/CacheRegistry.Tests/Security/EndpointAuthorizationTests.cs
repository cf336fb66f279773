using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Build.Bazel.Remote.Execution.V2;
using CacheRegistry.Server.Grpc.Access;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Http.Authorization;
using CacheRegistry.Tests.Infrastructure;
using Google.Bytestream;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.Core;
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
        foreach (var endpoint in Endpoints().Where(e => !IsGrpc(e)))
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

    [BackendFact]
    public async Task Every_grpc_method_is_unauthenticated_without_a_token_denied_outside_its_scope_and_served_with_the_right_one()
    {
        var nsWriter = (await TestAuth.IssueAsync(Server, "namespace writer", $"{Namespace}:write")).Token;
        var nsReader = (await TestAuth.IssueAsync(Server, "namespace reader", $"{Namespace}:read")).Token;
        var otherAdmin = (await TestAuth.IssueAsync(Server, "another namespace", "team-other:admin")).Token;
        using var anonymous = new ReapiClient(Server.GrpcAddress!);
        using var forged = new ReapiClient(Server.GrpcAddress!, "not-a-token");
        using var outside = new ReapiClient(Server.GrpcAddress!, otherAdmin);
        using var writer = new ReapiClient(Server.GrpcAddress!, nsWriter);
        using var reader = new ReapiClient(Server.GrpcAddress!, nsReader);
        await writer.UploadAsync(Namespace, "build output"u8.ToArray()); // content in team-b, none in team-c
        var failures = new List<string>();
        var methods = Endpoints().Where(IsGrpc).ToList();
        foreach (var endpoint in methods)
        {
            var method = endpoint.RoutePattern.RawText!;
            var declaration = Declaration(endpoint);
            Expect(failures, method, "no token", await GrpcStatusAsync(anonymous, method, Namespace), StatusCode.Unauthenticated);
            Expect(failures, method, "a bad token", await GrpcStatusAsync(forged, method, Namespace), StatusCode.Unauthenticated);
            var refused = await GrpcStatusAsync(outside, method, Namespace);
            Expect(failures, method, "a token for another namespace", refused, StatusCode.PermissionDenied);
            var empty = await GrpcStatusAsync(outside, method, "team-c");
            if (empty.StatusCode != refused.StatusCode || empty.Detail.Replace("team-c", Namespace) != refused.Detail)
            {
                failures.Add($"{method}: the refusal differs where nothing is stored ({empty} against {refused})");
            }
            if (declaration == "reapi:write") Expect(failures, method, "a read-only token", await GrpcStatusAsync(reader, method, Namespace), StatusCode.PermissionDenied);
            var served = await GrpcStatusAsync(declaration == "reapi:write" ? writer : reader, method, Namespace);
            if (served.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.Internal or StatusCode.Unknown)
            {
                failures.Add($"{method} with the right scope: {served}");
            }
        }
        output.WriteLine($"checked {methods.Count} gRPC methods");
        Assert.True(methods.Count >= 12, $"only {methods.Count} gRPC methods were checked");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>What a sample call of the method in the namespace answers (OK included).</summary>
    private static async Task<Status> GrpcStatusAsync(ReapiClient client, string method, string ns)
    {
        var blob = "build output"u8.ToArray();
        var digest = ReapiClient.DigestOf(blob);
        var resource = $"{ns}/blobs/{digest.Hash}/{digest.SizeBytes}";
        Func<Task> call = method switch
        {
            "/build.bazel.remote.execution.v2.Capabilities/GetCapabilities" => () => client.Capabilities.GetCapabilitiesAsync(new GetCapabilitiesRequest { InstanceName = ns }).ResponseAsync,
            "/build.bazel.remote.execution.v2.ActionCache/GetActionResult" => () => client.ActionCache.GetActionResultAsync(new GetActionResultRequest { InstanceName = ns, ActionDigest = digest }).ResponseAsync,
            "/build.bazel.remote.execution.v2.ActionCache/UpdateActionResult" => () => client.ActionCache.UpdateActionResultAsync(new UpdateActionResultRequest
            {
                InstanceName = ns, ActionDigest = digest, ActionResult = new ActionResult { StdoutDigest = digest },
            }).ResponseAsync,
            "/build.bazel.remote.execution.v2.ContentAddressableStorage/FindMissingBlobs" => () => client.MissingAsync(ns, digest),
            "/build.bazel.remote.execution.v2.ContentAddressableStorage/BatchUpdateBlobs" => () => client.UploadAsync(ns, blob),
            "/build.bazel.remote.execution.v2.ContentAddressableStorage/BatchReadBlobs" => () => client.Cas.BatchReadBlobsAsync(new BatchReadBlobsRequest { InstanceName = ns, Digests = { digest } }).ResponseAsync,
            "/build.bazel.remote.execution.v2.ContentAddressableStorage/GetTree" => () => FirstAsync(client.Cas.GetTree(new GetTreeRequest { InstanceName = ns, RootDigest = digest }).ResponseStream),
            "/google.bytestream.ByteStream/Read" => () => FirstAsync(client.ByteStream.Read(new ReadRequest { ResourceName = resource }).ResponseStream),
            "/google.bytestream.ByteStream/QueryWriteStatus" => () => client.ByteStream.QueryWriteStatusAsync(new QueryWriteStatusRequest { ResourceName = $"{ns}/uploads/1/blobs/{digest.Hash}/{digest.SizeBytes}" }).ResponseAsync,
            "/google.bytestream.ByteStream/Write" => async () =>
            {
                using var write = client.ByteStream.Write();
                await write.RequestStream.WriteAsync(new WriteRequest { ResourceName = $"{ns}/uploads/1/blobs/{digest.Hash}/{digest.SizeBytes}", Data = ByteString.CopyFrom(blob), FinishWrite = true });
                await write.RequestStream.CompleteAsync();
                await write;
            },
            "/build.bazel.remote.execution.v2.Execution/Execute" => () => FirstAsync(client.Execution.Execute(new ExecuteRequest { InstanceName = ns, ActionDigest = digest }).ResponseStream),
            "/build.bazel.remote.execution.v2.Execution/WaitExecution" => () => FirstAsync(client.Execution.WaitExecution(new WaitExecutionRequest { Name = $"{ns}/operations/1" }).ResponseStream),
            _ => throw new Xunit.Sdk.XunitException($"no sample call for the gRPC method {method}: add one here"),
        };
        try
        {
            await call();
            return Status.DefaultSuccess;
        }
        catch (RpcException e)
        {
            return e.Status;
        }
    }

    private static async Task FirstAsync<T>(IAsyncStreamReader<T> responses) => await responses.MoveNext(CancellationToken.None);

    private static void Expect(List<string> failures, string method, string caller, Status status, StatusCode expected)
    {
        if (status.StatusCode != expected) failures.Add($"{method} with {caller}: {status.StatusCode} ({status.Detail}), not {expected}");
    }

    private IReadOnlyList<RouteEndpoint> Endpoints() =>
        Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

    /// <summary>
    /// The endpoint's declared access: "anonymous", a policy name, "reapi:{permission}" for a gRPC method
    /// (whose namespace is in its request message), or null when it declares nothing.
    /// </summary>
    private static string? Declaration(RouteEndpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null ? "anonymous"
            : endpoint.Metadata.GetMetadata<ReapiAccessAttribute>() is { } reapi ? $"reapi:{reapi.Permission.ToString().ToLowerInvariant()}"
            : endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);

    private static bool IsGrpc(RouteEndpoint endpoint) => endpoint.Metadata.GetMetadata<GrpcMethodMetadata>() is not null;

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
