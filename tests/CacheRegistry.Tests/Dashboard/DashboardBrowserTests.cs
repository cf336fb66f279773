using System.Net;
using System.Net.Http.Headers;
using CacheRegistry.Server.Dashboard.Html;
using CacheRegistry.Tests.Infrastructure;
using CacheRegistry.Tests.Security;
using OpenQA.Selenium;

namespace CacheRegistry.Tests.Dashboard;

/// <summary>
/// The dashboard in a real headless Chromium against the real server (auth on): signing in, the hit rate
/// following the test's own hits and misses, the artifact browser's copy-paste pull command, revoking a
/// token, a team seeing only its namespaces, signing in with a token from the configured OIDC issuer, an XSS
/// probe shown as text, the CSP and the antiforgery check.
/// A screenshot of each page goes to .test-artifacts/screenshots.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class DashboardBrowserTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private const string XssProbe = "<script>window.__xss = 1</script><img src=x onerror=\"window.__xss = 2\">";

    private const string OidcAudience = "cacheregistry-dashboard";
    private TestIdentityProvider _idp = null!;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => TestAuth.Settings(
        ("CacheRegistry:Dashboard:History:FlushInterval", "00:00:00.200"),
        ("CacheRegistry:Auth:Oidc:Authority", _idp.Issuer),
        ("CacheRegistry:Auth:Oidc:Audience", OidcAudience),
        ("CacheRegistry:Auth:Oidc:RequireHttpsMetadata", "false"),
        ("CacheRegistry:Auth:Oidc:Rules:0:Claims:repository", "acme/app"),
        ("CacheRegistry:Auth:Oidc:Rules:0:Scopes:0", "ci-*:read"));

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

    [Fact]
    public async Task An_operator_signs_in_and_sees_the_hit_rate_follow_hits_and_misses()
    {
        var operatorToken = (await TestAuth.IssueAsync(Server, "ops-alice", "*:admin")).Token;
        var team = Client((await TestAuth.IssueAsync(Server, "ci-team-a", "team-a:write")).Token);
        using var browser = HeadlessChromium.Start();

        browser.GoTo(Server.BaseAddress);
        Assert.Contains("a token is required", browser.ById("signin-reason").Text);
        browser.Screenshot("signin");
        SignIn(browser, operatorToken);
        Assert.Equal("ops-alice", browser.ById("signed-in-as").Text);
        Assert.Equal("–", browser.ById("hit-rate").Text); // nothing looked up yet
        // The token went into an HttpOnly, SameSite=Strict cookie, encrypted; never into the URL or the page.
        var session = Assert.IsAssignableFrom<OpenQA.Selenium.Cookie>(browser.Driver.Manage().Cookies.GetCookieNamed("cacheregistry_session"));
        Assert.True(session.IsHttpOnly);
        Assert.Equal("Strict", session.SameSite);
        Assert.DoesNotContain(operatorToken, session.Value);
        Assert.DoesNotContain(operatorToken, browser.Driver.Url + browser.Driver.PageSource);

        var digest = await PutAsync(team, "team-a", "hello"u8.ToArray());
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await team.GetAsync($"team-a/cas/{digest}")).StatusCode);
        var missed = TestData.Digest("never stored"u8.ToArray()).Hex;
        Assert.Equal(HttpStatusCode.NotFound, (await team.GetAsync($"team-a/cas/{missed}")).StatusCode);
        browser.Driver.Navigate().Refresh();
        Assert.Equal("75.0 %", browser.ById("hit-rate").Text);
        Assert.Equal("1", browser.ById("misses").Text);

        for (var i = 0; i < 4; i++) await team.GetAsync($"team-a/cas/{missed}");
        browser.Driver.Navigate().Refresh();
        Assert.Equal("37.5 %", browser.ById("hit-rate").Text); // 3 hits of 8 lookups
        Assert.Contains("team-a", browser.ById("storage-table").Text);
        // Once written to the database, the same numbers come from the history.
        await Task.Delay(1000);
        browser.Driver.Navigate().Refresh();
        Assert.Equal("37.5 %", browser.ById("hit-rate").Text);
        browser.Screenshot("overview");

        browser.Follow(browser.Driver.FindElement(By.LinkText("team-a")));
        Assert.EndsWith("/dashboard/namespaces/team-a", browser.Driver.Url);
        Assert.Equal("37.5 %", browser.ById("ns-hit-rate").Text);
        var misses = browser.ById("misses-table").Text;
        Assert.Contains(missed, misses);
        Assert.Contains("cas", misses);
        browser.Screenshot("namespace");
    }

    [Fact]
    public async Task The_artifact_browser_shows_a_version_and_copies_a_pull_command_that_works_and_the_xss_probe_stays_text()
    {
        var token = (await TestAuth.IssueAsync(Server, "ci-publisher", "team-a:write")).Token;
        var release = Directory.CreateDirectory(Path.Combine(WorkDirectory, "release")).FullName;
        await File.WriteAllTextAsync(Path.Combine(release, "tool.sh"), "#!/bin/sh\necho tool\n");
        await File.WriteAllTextAsync(Path.Combine(release, "README"), "the tool\n");
        var push = await CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "--token", token,
            "push", "team-a/tool@1.2.3", release, "--tag", "stable", "--meta", $"note={XssProbe}", "--meta", "target=x86_64-linux-gnu"]);
        Assert.True(push.ExitCode == 0, push.Error);
        using var browser = HeadlessChromium.Start();
        SignIn(browser, token);

        browser.GoTo(new Uri(Server.BaseAddress, "artifacts"));
        browser.Screenshot("artifacts");
        browser.Follow(browser.Driver.FindElement(By.LinkText("team-a")));
        Assert.Contains("1.2.3", browser.ById("artifact-names").Text); // the latest version
        browser.Screenshot("artifact-names");
        browser.Follow(browser.Driver.FindElement(By.LinkText("tool")));
        Assert.EndsWith("/artifacts/team-a/tool", browser.Driver.Url);
        Assert.Contains("stable", browser.ById("artifact-versions").Text);
        browser.Screenshot("artifact-versions");
        browser.Follow(browser.Driver.FindElement(By.LinkText("1.2.3")));
        Assert.EndsWith("/artifacts/team-a/tool/1.2.3", browser.Driver.Url);
        Assert.Contains("ci-publisher", browser.ById("version-facts").Text);
        Assert.Contains(TestData.Digest("the tool\n"u8.ToArray()).Hex, browser.ById("files").Text);

        // The probe is shown as the text it is, and nothing of it ran.
        var note = browser.Driver.FindElement(By.XPath("//table[@id='metadata']//tr[td[1]/code='note']/td[2]"));
        Assert.Equal(XssProbe, note.Text);
        Assert.Empty(browser.Driver.FindElements(By.CssSelector("#metadata script, #metadata img")));
        Assert.Null(browser.Driver.ExecuteScript("return window.__xss === undefined ? null : window.__xss"));
        Assert.DoesNotContain("<script>window.__xss", browser.Driver.PageSource); // never unescaped in the markup
        browser.Screenshot("artifact-version");

        browser.Driver.ExecuteCdpCommand("Browser.grantPermissions", new Dictionary<string, object?>
        {
            ["origin"] = Server.BaseAddress.GetLeftPart(UriPartial.Authority),
            ["permissions"] = new[] { "clipboardReadWrite", "clipboardSanitizedWrite" },
        });
        var command = browser.ById("pull-command").Text;
        Assert.Equal("cache pull team-a/tool@1.2.3", command);
        browser.ById("copy-pull-command").Click();
        browser.WaitUntil(() => browser.ById("copy-pull-command").Text == "Copied", "the button saying it copied"); // for 2 s
        var copied = (string?)browser.Driver.ExecuteAsyncScript("const done = arguments[arguments.length - 1]; navigator.clipboard.readText().then(done, e => done('failed: ' + e));");
        Assert.Equal(command, copied);
        Assert.NotNull(copied);

        // What was copied works: run it as a user would, from an empty directory.
        var target = Path.Combine(WorkDirectory, "pulled");
        var arguments = copied.Split(' ')[1..];
        var pulled = await CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "--token", token, .. arguments, "-o", target]);
        Assert.True(pulled.ExitCode == 0, pulled.Error);
        Assert.Equal("the tool\n", await File.ReadAllTextAsync(Path.Combine(target, "README")));
        // The pull fetched every file once: the version counts one download (once the hits are written).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        do
        {
            await Task.Delay(300);
            browser.Driver.Navigate().Refresh();
        }
        while (!browser.ById("downloads").Text.StartsWith("1 (", StringComparison.Ordinal) && DateTime.UtcNow < deadline);
        Assert.StartsWith("1 (", browser.ById("downloads").Text);
        Assert.Contains("\"team-a/tool\": \"1.2.3\"", browser.ById("cache-json-line").Text);
        Assert.Contains("\"manifestDigest\"", browser.ById("cache-lock-entry").Text);
    }

    [Fact]
    public async Task An_operator_revokes_a_token_after_confirming_and_it_is_rejected_from_then_on()
    {
        var victim = await TestAuth.IssueAsync(Server, "ci-old", "team-a:read");
        var victimClient = Client(victim.Token);
        Assert.Equal(HttpStatusCode.NotFound, (await victimClient.GetAsync($"team-a/cas/{TestData.Digest([9]).Hex}")).StatusCode);
        using var browser = HeadlessChromium.Start();
        SignIn(browser, TestAuth.BootstrapToken);

        browser.GoTo(new Uri(Server.BaseAddress, "dashboard/tokens"));
        var row = browser.Driver.FindElement(By.CssSelector($"tr[data-token-id='{victim.Info.Id}']"));
        Assert.Contains("team-a:read", row.Text);
        Assert.Contains("active", row.Text);
        Assert.DoesNotContain(victim.Token, browser.Driver.PageSource); // the id and scopes, never the secret
        browser.Screenshot("tokens");
        browser.Follow(browser.ById($"revoke-{victim.Info.Id}"));
        Assert.Contains("Revoke this token?", browser.Driver.FindElement(By.TagName("h1")).Text);
        Assert.Equal(HttpStatusCode.NotFound, (await victimClient.GetAsync($"team-a/cas/{TestData.Digest([9]).Hex}")).StatusCode); // not yet
        browser.Screenshot("token-revoke-confirm");
        browser.Follow(browser.ById("confirm-revoke"));

        Assert.Contains("Revoked ci-old", browser.ById("revoked-notice").Text);
        Assert.Contains("revoked", browser.Driver.FindElement(By.CssSelector($"tr[data-token-id='{victim.Info.Id}']")).Text);
        var refused = await victimClient.GetAsync($"team-a/cas/{TestData.Digest([9]).Hex}");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("revoked", await refused.Content.ReadAsStringAsync());

        // Signing in with it fails, with the reason.
        using var other = HeadlessChromium.Start();
        SignIn(other, victim.Token);
        Assert.Contains("revoked", other.ById("signin-reason").Text);

        browser.GoTo(new Uri(Server.BaseAddress, "dashboard/audit?action=token.revoke"));
        var audit = browser.ById("audit").Text;
        Assert.Contains(victim.Info.Id, audit);
        Assert.Contains("bootstrap", audit);
        browser.Screenshot("audit");
    }

    [Fact]
    public async Task A_team_reader_sees_its_namespaces_and_not_another_teams()
    {
        var writerA = Client((await TestAuth.IssueAsync(Server, "ci-a", "team-a:write")).Token);
        var writerB = Client((await TestAuth.IssueAsync(Server, "ci-b", "team-b:write")).Token);
        var digestA = await PutAsync(writerA, "team-a", "a"u8.ToArray());
        var digestB = await PutAsync(writerB, "team-b", "b"u8.ToArray());
        await writerA.GetAsync($"team-a/cas/{digestA}");
        await writerB.GetAsync($"team-b/cas/{digestB}");
        var reader = (await TestAuth.IssueAsync(Server, "dev-reader", "team-a:read")).Token;
        using var browser = HeadlessChromium.Start();
        SignIn(browser, reader);

        Assert.Equal("dev-reader", browser.ById("signed-in-as").Text);
        var page = browser.ById("main").Text;
        Assert.Contains("team-a", page);
        Assert.DoesNotContain("team-b", page);
        Assert.False(browser.Exists("requests")); // server-wide traffic is for operators
        Assert.Empty(browser.Driver.FindElements(By.LinkText("Tokens")));
        browser.Screenshot("team-overview");

        browser.GoTo(new Uri(Server.BaseAddress, "dashboard/namespaces/team-b"));
        Assert.Contains("does not grant read on namespace 'team-b'", browser.ById("error-detail").Text);
        browser.Screenshot("not-allowed");
        browser.GoTo(new Uri(Server.BaseAddress, "dashboard/tokens"));
        Assert.Contains("admin token", browser.ById("error-detail").Text);
        browser.GoTo(new Uri(Server.BaseAddress, "artifacts"));
        Assert.DoesNotContain("team-b", browser.ById("main").Text);
    }

    [Fact]
    public async Task A_token_from_the_configured_oidc_issuer_signs_in_with_the_scopes_its_rules_give()
    {
        var writerCi = Client((await TestAuth.IssueAsync(Server, "ci-writer", "ci-main:write")).Token);
        var writerB = Client((await TestAuth.IssueAsync(Server, "ci-b", "team-b:write")).Token);
        var digest = await PutAsync(writerCi, "ci-main", "ci"u8.ToArray());
        await PutAsync(writerB, "team-b", "b"u8.ToArray());
        Assert.Equal(HttpStatusCode.OK, (await writerCi.GetAsync($"ci-main/cas/{digest}")).StatusCode);
        var oidc = _idp.Issue(OidcAudience, new Dictionary<string, object> { ["sub"] = "repo:acme/app:ref:refs/heads/main", ["repository"] = "acme/app" });
        using var browser = HeadlessChromium.Start();
        SignIn(browser, oidc);

        Assert.Equal("repo:acme/app:ref:refs/heads/main", browser.ById("signed-in-as").Text);
        var session = Assert.IsAssignableFrom<OpenQA.Selenium.Cookie>(browser.Driver.Manage().Cookies.GetCookieNamed("cacheregistry_session"));
        Assert.True(session.IsHttpOnly);
        Assert.DoesNotContain(oidc, session.Value + browser.Driver.Url + browser.Driver.PageSource);
        var page = browser.ById("main").Text;
        Assert.Contains("ci-main", page); // ci-*:read, from the rule its repository claim matches
        Assert.DoesNotContain("team-b", page);
        Assert.False(browser.Exists("requests"));
        browser.Screenshot("oidc-overview");
        browser.GoTo(new Uri(Server.BaseAddress, "dashboard/namespaces/ci-main"));
        Assert.Equal("100.0 %", browser.ById("ns-hit-rate").Text);
        browser.GoTo(new Uri(Server.BaseAddress, "dashboard/namespaces/team-b"));
        Assert.Contains("does not grant read on namespace 'team-b'", browser.ById("error-detail").Text);

        // A token the issuer made for another audience does not sign in.
        using var other = HeadlessChromium.Start();
        SignIn(other, _idp.Issue("another-service", new Dictionary<string, object> { ["sub"] = "x", ["repository"] = "acme/app" }));
        Assert.True(other.Exists("signin-reason"));
        Assert.False(other.Exists("signed-in-as"));
    }

    [Fact]
    public async Task Pages_carry_a_strict_content_security_policy_and_a_post_without_the_antiforgery_token_is_refused()
    {
        var victim = await TestAuth.IssueAsync(Server, "ci-keep", "team-a:read");
        using var browser = HeadlessChromium.Start();
        SignIn(browser, TestAuth.BootstrapToken);
        var session = Assert.IsAssignableFrom<OpenQA.Selenium.Cookie>(browser.Driver.Manage().Cookies.GetCookieNamed("cacheregistry_session")).Value;
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = Server.BaseAddress };

        using (var page = new HttpRequestMessage(HttpMethod.Get, "/"))
        {
            page.Headers.Add("Cookie", $"cacheregistry_session={session}");
            using var response = await http.SendAsync(page);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Equal(SecurityHeaders.ContentSecurityPolicy, csp);
            Assert.Contains("script-src 'self'", csp);
            Assert.DoesNotContain("unsafe", csp);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            var html = await response.Content.ReadAsStringAsync();
            Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)", html); // no inline script at all
            Assert.DoesNotContain(" style=", html);
        }
        // In the browser the policy is in force: an inline script the page adds is blocked.
        browser.Driver.ExecuteScript("const s = document.createElement('script'); s.textContent = 'window.__inline = 1'; document.body.appendChild(s);");
        Assert.Null(browser.Driver.ExecuteScript("return window.__inline === undefined ? null : window.__inline"));

        // A revocation posted with the session cookie but without the form's antiforgery token changes nothing.
        using (var forged = new HttpRequestMessage(HttpMethod.Post, $"dashboard/tokens/{victim.Info.Id}/revoke") { Content = new FormUrlEncodedContent([]) })
        {
            forged.Headers.Add("Cookie", $"cacheregistry_session={session}");
            using var response = await http.SendAsync(forged);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("antiforgery", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await Client(victim.Token).GetAsync($"team-a/cas/{TestData.Digest([7]).Hex}")).StatusCode); // still valid
        // The API never takes the session cookie for a token.
        using (var api = new HttpRequestMessage(HttpMethod.Get, "api/v1/tokens"))
        {
            api.Headers.Add("Cookie", $"cacheregistry_session={session}");
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(api)).StatusCode);
        }
        // Signing in is protected too (no logging a victim into an attacker's account).
        using var signIn = await http.PostAsync("dashboard/signin", new FormUrlEncodedContent([new("token", TestAuth.BootstrapToken)]));
        Assert.Equal(HttpStatusCode.BadRequest, signIn.StatusCode);
        Assert.False(signIn.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("cacheregistry_session=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task With_auth_off_everything_is_visible_and_the_page_says_so()
    {
        await using var open = await TestServer.StartAsync(new Dictionary<string, string?>(Backend.ReplicaSettings(Path.Combine(WorkDirectory, "open"))));
        await PutAsync(open.Http, "team-z", "z"u8.ToArray());
        using var browser = HeadlessChromium.Start();
        browser.GoTo(open.BaseAddress);
        Assert.Contains("Auth is off", browser.ById("auth-off").Text);
        Assert.Contains("team-z", browser.ById("storage-table").Text);
        Assert.True(browser.Exists("requests"));
    }

    private void SignIn(HeadlessChromium browser, string token)
    {
        browser.GoTo(new Uri(Server.BaseAddress, "dashboard/signin"));
        browser.ById("token").SendKeys(token);
        browser.Submit(browser.ById("signin-form"));
    }

    private HttpClient Client(string token)
    {
        var http = new HttpClient { BaseAddress = Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<string> PutAsync(HttpClient http, string ns, byte[] content)
    {
        var digest = TestData.Digest(content).Hex;
        using var response = await http.PutAsync($"{ns}/cas/{digest}", new ByteArrayContent(content));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return digest;
    }
}
