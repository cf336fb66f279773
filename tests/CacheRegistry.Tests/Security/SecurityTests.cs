using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Auth;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CacheRegistry.Tests.Security;

/// <summary>
/// The security model over real HTTP, on both storage configurations: who may do what in which
/// namespace, how tokens are checked and revoked, and that refusals reveal nothing.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class SecurityTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private const string OidcAudience = "cacheregistry-ci";
    private TestIdentityProvider _idp = null!;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => TestAuth.Settings(
        ("CacheRegistry:Auth:AnonymousRead:0", "public-*"),
        ("CacheRegistry:Auth:Oidc:Authority", _idp.Issuer),
        ("CacheRegistry:Auth:Oidc:Audience", OidcAudience),
        ("CacheRegistry:Auth:Oidc:RequireHttpsMetadata", "false"),
        ("CacheRegistry:Auth:Oidc:Rules:0:Claims:repository", "acme/app"),
        ("CacheRegistry:Auth:Oidc:Rules:0:Scopes:0", "ci-*:write"));

    public override async Task InitializeAsync()
    {
        _idp = await TestIdentityProvider.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _idp.DisposeAsync();
    }

    private static readonly string Digest = TestData.Digest("secret build output"u8.ToArray()).Hex;

    [BackendFact]
    public async Task A_read_only_token_reads_but_cannot_write()
    {
        await SeedTeamBAsync();
        var reader = await IssueAsync("team-b:read");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET", $"team-b/cas/{Digest}", reader)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET", "team-b/cache/0123abcd", reader)).StatusCode);

        foreach (var path in new[] { $"team-b/cas/{Digest}", $"team-b/ac/{Digest}", "team-b/ccache/ab/cd", "team-b/cache/01", "team-b/v1/cache/9", "v8/artifacts/ab?slug=team-b" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("PUT", path, reader)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("DELETE", "team-b/ccache/ab/cdef", reader)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET", "team-b/ccache/ab/cdef", reader)).StatusCode);
    }

    [BackendFact]
    public async Task Answers_do_not_name_the_server_software()
    {
        await SeedTeamBAsync();
        var reader = await IssueAsync("team-b:read");
        foreach (var (method, path, token) in new (string, string, string?)[] { ("GET", $"team-b/cas/{Digest}", reader), ("GET", "team-b/cas/" + new string('0', 64), reader), ("PUT", $"team-b/cas/{Digest}", reader), ("GET", "healthz", null) })
        {
            var response = await SendAsync(method, path, token);
            Assert.False(response.Headers.Contains("Server"), $"{method} {path} ({(int)response.StatusCode}) answered with Server: {string.Join(", ", response.Headers.Server)}");
        }
    }

    [BackendFact]
    public async Task Write_includes_read_but_not_delete()
    {
        await SeedTeamBAsync();
        var writer = await IssueAsync("team-*:write");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET", $"team-b/cas/{Digest}", writer)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("DELETE", "team-b/ccache/ab/cdef", writer)).StatusCode);
        var deleter = await IssueAsync("team-b:delete");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("DELETE", "team-b/ccache/ab/cdef", deleter)).StatusCode);
    }

    [BackendFact]
    public async Task A_revoked_token_stops_working_within_five_seconds_on_every_replica()
    {
        await using var replica = await TestServer.StartAsync(new Dictionary<string, string?>(Backend.ReplicaSettings(Path.Combine(WorkDirectory, "replica")).Concat(ExtraSettings)));
        var created = await TestAuth.IssueAsync(Server, "short-lived", "team-b:read");
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync("GET", $"team-b/cas/{Digest}", created.Token, replica)).StatusCode);

        using var admin = new CacheRegistry.Client.CacheClient(new() { Server = Server.BaseAddress, Token = TestAuth.BootstrapToken });
        Assert.True(await admin.RevokeTokenAsync(created.Info.Id));

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync("GET", $"team-b/cas/{Digest}", created.Token)).StatusCode);
        var revokedAt = DateTime.UtcNow;
        while ((await SendAsync("GET", $"team-b/cas/{Digest}", created.Token, replica)).StatusCode != HttpStatusCode.Unauthorized)
        {
            Assert.True(DateTime.UtcNow - revokedAt < TimeSpan.FromSeconds(5), "the other replica still accepts the revoked token after 5 s");
            await Task.Delay(100);
        }
        var listed = await admin.ListTokensAsync();
        Assert.NotNull(listed.Single(t => t.Id == created.Info.Id).RevokedAt);
    }

    [BackendFact]
    public async Task A_revocation_holds_on_its_server_while_reloads_of_the_list_race_it()
    {
        var revocations = Server.Services.GetRequiredService<RevocationList>();
        var issuer = Server.Services.GetRequiredService<TokenIssuer>();
        var tokens = new List<string>();
        for (var i = 0; i < 20; i++) tokens.Add((await TestAuth.IssueAsync(Server, $"revoked-{i}", "team-b:read")).Info.Id);

        using var stop = new CancellationTokenSource();
        long reloads = 0;
        var reloading = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await revocations.ReloadAsync(CancellationToken.None);
                Interlocked.Increment(ref reloads);
            }
        })).ToList();
        var undone = new List<string>();
        foreach (var id in tokens)
        {
            Assert.True(await issuer.RevokeAsync(id, CancellationToken.None));
            // Reloads that began before the revocation committed finish meanwhile; none may undo it.
            var watched = System.Diagnostics.Stopwatch.StartNew();
            while (watched.ElapsedMilliseconds < 50)
            {
                if (!revocations.IsRevoked(id)) undone.Add(id);
                await Task.Yield();
            }
        }
        await stop.CancelAsync();
        await Task.WhenAll(reloading);

        Assert.Empty(undone.Distinct());
        Assert.True(reloads > 40, $"the race was not exercised: {reloads} reloads");
        Assert.All(tokens, id => Assert.True(revocations.IsRevoked(id)));
    }

    public static TheoryData<string, string> BadTokens => new()
    {
        { "expired", TokenMinter.Hs256(TestAuth.SigningKey, expires: DateTime.UtcNow.AddMinutes(-5)) },
        { "invalid signature", TokenMinter.Hs256("another-key-that-is-long-enough-to-sign-with") },
        { "invalid signature", TokenMinter.Unsigned() }, // "alg": "none"
        { "wrong audience", TokenMinter.Hs256(TestAuth.SigningKey, audience: "someone-else") },
        // Another issuer's token is checked against that issuer's keys (here the OIDC issuer's), not ours.
        { "invalid signature", TokenMinter.Hs256(TestAuth.SigningKey, issuer: "cacheregistry-elsewhere") },
        { "malformed or not valid", "not-a-token" },
        { "invalid signature", "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6IiphZG1pbiJ9.AAAA" },
        // Signed with the right key but without a jti: it could never be revoked, so it is refused.
        { "revoked", TokenMinter.Hs256(TestAuth.SigningKey, claims: new Dictionary<string, object> { ["scope"] = "*:admin" }) },
    };

    [BackendTheory]
    [MemberData(nameof(BadTokens))]
    public async Task Bad_tokens_are_rejected_with_a_reason(string reason, string token)
    {
        var response = await SendAsync("GET", $"team-b/cas/{Digest}", token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemBody>();
        Assert.True(problem!.Detail!.Contains(reason), $"expected '{reason}' in '{problem.Detail}'");
        Assert.DoesNotContain(token, problem.Detail);
        // Also when the token comes as a Basic password, and for anonymously readable namespaces.
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync("GET", $"team-b/cas/{Digest}", token, basic: true)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync("GET", $"public-x/cas/{Digest}", token)).StatusCode);
    }

    [BackendFact]
    public async Task Tokens_work_as_basic_passwords()
    {
        await SeedTeamBAsync();
        var reader = await IssueAsync("team-b:read");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET", $"team-b/cas/{Digest}", reader, basic: true)).StatusCode);
    }

    [BackendFact]
    public async Task Scopes_cannot_be_escalated()
    {
        var teamAdmin = await IssueAsync("team-a:admin");
        var create = await SendAsync("POST", "api/v1/tokens", teamAdmin, body: JsonContent.Create(new CreateTokenRequest("mine", ["*:admin"], "1d")));
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);

        var writer = await IssueAsync("team-a:write");
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("POST", "api/v1/tokens", writer, body: JsonContent.Create(new CreateTokenRequest("x", ["team-a:read"], "1d")))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("GET", "api/v1/audit", writer)).StatusCode);
        // A namespace pattern is matched as a whole: team-a does not cover team-ab.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("PUT", $"team-ab/cas/{Digest}", writer)).StatusCode);
    }

    [BackendFact]
    public async Task Token_requests_are_validated()
    {
        foreach (var bad in new[] { new CreateTokenRequest("x", ["no-colon"], "1d"), new CreateTokenRequest("x", ["a/b:read"], "1d"),
                     new CreateTokenRequest("x", ["team:superuser"], "1d"), new CreateTokenRequest("x", [], "1d"),
                     new CreateTokenRequest("x", ["team:read"], "forever"), new CreateTokenRequest("", ["team:read"], "1d"),
                     new CreateTokenRequest("x", ["team:read"], "9999d") })
        {
            var response = await SendAsync("POST", "api/v1/tokens", TestAuth.BootstrapToken, body: JsonContent.Create(bad));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
    }

    [BackendFact]
    public async Task Anonymous_reads_only_where_configured()
    {
        var admin = await IssueAsync("*:admin");
        var content = "public artifact"u8.ToArray();
        var digest = TestData.Digest(content).Hex;
        Assert.Equal(HttpStatusCode.Created, (await SendAsync("PUT", $"public-tools/cas/{digest}", admin, body: new ByteArrayContent(content))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET", $"public-tools/cas/{digest}", token: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync("PUT", $"public-tools/cas/{digest}", token: null, body: new ByteArrayContent(content))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync("GET", $"private/cas/{digest}", token: null)).StatusCode);
    }

    [BackendFact]
    public async Task Writes_deletes_and_token_changes_are_audited()
    {
        var writer = await TestAuth.IssueAsync(Server, "ci-pipeline", "team-b:write", "team-b:delete");
        Assert.True((await SendAsync("PUT", "team-b/ccache/ab/cdef", writer.Token, body: new ByteArrayContent([1]))).IsSuccessStatusCode);
        Assert.True((await SendAsync("DELETE", "team-b/ccache/ab/cdef", writer.Token)).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("PUT", "team-c/ccache/ab/cdef", writer.Token, body: new ByteArrayContent([1]))).StatusCode);
        using var admin = new CacheRegistry.Client.CacheClient(new() { Server = Server.BaseAddress, Token = TestAuth.BootstrapToken });
        await admin.RevokeTokenAsync(writer.Info.Id);

        List<AuditRecord>? audit = null;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            audit = (await (await SendAsync("GET", "api/v1/audit", TestAuth.BootstrapToken)).Content.ReadFromJsonAsync<List<AuditRecord>>())!;
            if (audit.Count >= 4) break;
            await Task.Delay(100);
        }
        Assert.NotNull(audit);
        Assert.Contains(audit, a => a.Action == "token.create" && a.Actor == "bootstrap" && a.Target!.Contains(writer.Info.Id));
        Assert.Contains(audit, a => a.Action == "PUT /{ns}/ccache/{**path}" && a.Actor == "ci-pipeline" && a.Namespace == "team-b");
        Assert.Contains(audit, a => a.Action == "DELETE /{ns}/ccache/{**path}" && a.Actor == "ci-pipeline");
        Assert.Contains(audit, a => a.Action == "token.revoke" && a.Target == writer.Info.Id);
        Assert.DoesNotContain(audit, a => a.Namespace == "team-c"); // refused requests wrote nothing
    }

    [BackendFact]
    public async Task Oidc_tokens_get_scopes_from_rules_only()
    {
        var ci = _idp.Issue(OidcAudience, new Dictionary<string, object> { ["sub"] = "repo:acme/app:ref:refs/heads/main", ["repository"] = "acme/app" });
        Assert.Equal(HttpStatusCode.Created, (await SendAsync("PUT", $"ci-main/cas/{Digest}", ci, body: new ByteArrayContent("secret build output"u8.ToArray()))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET", $"ci-main/cas/{Digest}", ci)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("GET", $"team-b/cas/{Digest}", ci)).StatusCode);

        var otherRepository = _idp.Issue(OidcAudience, new Dictionary<string, object> { ["sub"] = "x", ["repository"] = "evil/fork", ["scope"] = "*:admin" });
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("GET", $"ci-main/cas/{Digest}", otherRepository)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("GET", "api/v1/admin/stats", otherRepository)).StatusCode);

        var wrongAudience = _idp.Issue("another-service", new Dictionary<string, object> { ["sub"] = "x", ["repository"] = "acme/app" });
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync("GET", $"ci-main/cas/{Digest}", wrongAudience)).StatusCode);
    }

    [BackendFact]
    public async Task Health_endpoints_stay_open()
    {
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET", "healthz", token: null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET", "readyz", token: null)).StatusCode);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private async Task<string> IssueAsync(params string[] scopes) => (await TestAuth.IssueAsync(Server, string.Join(' ', scopes), scopes)).Token;

    private async Task SeedTeamBAsync()
    {
        var admin = TestAuth.BootstrapToken;
        Assert.True((await SendAsync("PUT", $"team-b/cas/{Digest}", admin, body: new ByteArrayContent("secret build output"u8.ToArray()))).IsSuccessStatusCode);
        Assert.True((await SendAsync("PUT", "team-b/ccache/ab/cdef", admin, body: new ByteArrayContent([1]))).IsSuccessStatusCode);
        Assert.True((await SendAsync("PUT", "team-b/cache/0123abcd", admin, body: new ByteArrayContent([2]))).IsSuccessStatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(string method, string path, string? token, TestServer? server = null, bool basic = false, HttpContent? body = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = body ?? (method is "POST" ? JsonContent.Create(new { digests = Array.Empty<string>(), hashes = Array.Empty<string>() }) : new ByteArrayContent([])),
        };
        if (method is "POST" && body is null && path.Contains("events")) request.Content = JsonContent.Create(Array.Empty<object>());
        if (token is not null)
        {
            request.Headers.Authorization = basic
                ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"ci:{token}")))
                : new AuthenticationHeaderValue("Bearer", token);
        }
        return await (server ?? Server).Http.SendAsync(request);
    }
}
