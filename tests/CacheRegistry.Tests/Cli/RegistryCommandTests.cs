using CacheRegistry.Cli;
using CacheRegistry.Client;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Cli;

/// <summary>
/// Looking after published versions from the command line: list, yank and un-yank, tags, deleting a
/// version; and deletions that cannot be undone ask first on a terminal and need --yes in scripts.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection(BackendCollection.Name)]
public sealed class RegistryCommandTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = TestAuth.Settings();

    [BackendFact]
    public async Task List_yank_tag_and_delete_versions()
    {
        var file = Path.Combine(WorkDirectory, "tool");
        foreach (var version in new[] { "1.0.0", "1.1.0", "2.0.0-beta.1" })
        {
            await File.WriteAllTextAsync(file, version);
            Assert.Equal(0, (await CliAsync("push", $"acme/tool@{version}", file)).ExitCode);
        }
        await File.WriteAllTextAsync(file, "lib");
        Assert.Equal(0, (await CliAsync("push", "acme/lib@0.1.0", file)).ExitCode);

        var artifacts = await CliAsync("-n", "acme", "list");
        Assert.Equal(0, artifacts.ExitCode);
        Assert.Matches(@"acme/lib\s+│\s+0\.1\.0\s+│\s+1", artifacts.Output);
        Assert.Matches(@"acme/tool\s+│\s+1\.1\.0\s+│\s+3", artifacts.Output);
        Assert.Contains("acme/lib", (await CliAsync("-n", "acme", "list", "--search", "li")).Output);
        Assert.DoesNotContain("acme/tool", (await CliAsync("-n", "acme", "list", "--search", "li")).Output);
        var versions = await CliAsync("list", "acme/tool");
        Assert.True(versions.Output.IndexOf("2.0.0-beta.1", StringComparison.Ordinal) < versions.Output.IndexOf("1.1.0", StringComparison.Ordinal)); // newest first
        Assert.Equal(ExitCodes.NotFound, (await CliAsync("list", "acme/nothing")).ExitCode);

        // Yanked: not resolved any more, still pullable by exact version; un-yanked: back.
        Assert.Equal("yanked acme/tool@1.1.0", (await CliAsync("yank", "acme/tool@1.1.0")).Output.Trim());
        Assert.Contains("acme/tool@1.0.0", (await CliAsync("pull", "acme/tool@^1", "-o", Path.Combine(WorkDirectory, "a"))).Output);
        Assert.Contains("acme/tool@1.1.0", (await CliAsync("pull", "acme/tool@1.1.0", "-o", Path.Combine(WorkDirectory, "b"))).Output);
        Assert.Matches(@"1\.1\.0 .*│ yes", (await CliAsync("list", "acme/tool")).Output);
        Assert.Equal("un-yanked acme/tool@1.1.0", (await CliAsync("yank", "acme/tool@1.1.0", "--undo")).Output.Trim());
        Assert.Contains("acme/tool@1.1.0", (await CliAsync("pull", "acme/tool@^1", "-o", Path.Combine(WorkDirectory, "c"))).Output);
        Assert.Equal(ExitCodes.NotFound, (await CliAsync("yank", "acme/tool@9.9.9")).ExitCode);

        // Tags move and go.
        Assert.Equal("acme/tool@stable -> 1.0.0", (await CliAsync("tag", "add", "acme/tool@1.0.0", "stable")).Output.Trim());
        Assert.Contains("acme/tool@1.0.0", (await CliAsync("pull", "acme/tool@stable", "-o", Path.Combine(WorkDirectory, "d"))).Output);
        Assert.Equal(0, (await CliAsync("tag", "add", "acme/tool@1.1.0", "stable")).ExitCode);
        Assert.Contains("acme/tool@1.1.0", (await CliAsync("pull", "acme/tool@stable", "-o", Path.Combine(WorkDirectory, "e"))).Output);
        Assert.Equal("removed tag stable of acme/tool", (await CliAsync("tag", "rm", "acme/tool", "stable")).Output.Trim());
        Assert.Equal(ExitCodes.NotFound, (await CliAsync("tag", "rm", "acme/tool", "stable")).ExitCode);
        Assert.Equal(ExitCodes.NotFound, (await CliAsync("pull", "acme/tool@stable", "-o", Path.Combine(WorkDirectory, "f"))).ExitCode);
        Assert.Equal(ExitCodes.NotFound, (await CliAsync("tag", "add", "acme/tool@3.0.0", "stable")).ExitCode);

        // Deleting a version asks; scripts say --yes.
        var unconfirmed = await CliAsync("delete", "version", "acme/tool@1.0.0");
        Assert.Equal(ExitCodes.Usage, unconfirmed.ExitCode);
        Assert.Equal("error: Delete acme/tool@1.0.0 for good? Not asking outside a terminal: pass --yes to confirm", unconfirmed.Error.Trim());
        Assert.Equal("deleted acme/tool@1.0.0", (await CliAsync("delete", "version", "acme/tool@1.0.0", "--yes")).Output.Trim());
        Assert.Equal(ExitCodes.NotFound, (await CliAsync("pull", "acme/tool@1.0.0", "-o", Path.Combine(WorkDirectory, "g"))).ExitCode);
        Assert.Equal(ExitCodes.NotFound, (await CliAsync("delete", "version", "acme/tool@1.0.0", "--yes")).ExitCode);
    }

    [Fact]
    public async Task Deleting_a_namespace_asks_first_and_a_namespace_holding_nothing_is_not_found()
    {
        var file = Path.Combine(WorkDirectory, "blob");
        await File.WriteAllTextAsync(file, "team content");
        Assert.Equal(0, (await CliAsync("-n", "team-a", "blob", "put", file)).ExitCode);
        var digest = TestData.Digest(await File.ReadAllBytesAsync(file));
        using var client = new CacheClient(new CacheClientOptions { Server = Server.BaseAddress, Token = TestAuth.BootstrapToken, Namespace = "team-a" });

        // A script without --yes: refused, nothing deleted.
        var script = await CliAsync("delete", "namespace", "team-a");
        Assert.Equal(ExitCodes.Usage, script.ExitCode);
        Assert.Contains("pass --yes to confirm", script.Error);
        Assert.True(await client.BlobExistsAsync(digest));

        // On a terminal: the name must be typed; anything else deletes nothing.
        var declined = await CliOnTerminalAsync("y\n", "delete", "namespace", "team-a");
        Assert.Equal(ExitCodes.Error, declined.ExitCode);
        Assert.Contains("Delete namespace team-a and everything in it? Type 'team-a' to confirm: ", declined.Error);
        Assert.Contains("not confirmed; nothing was deleted", declined.Error);
        Assert.True(await client.BlobExistsAsync(digest));
        var confirmed = await CliOnTerminalAsync("team-a\n", "delete", "namespace", "team-a");
        Assert.Equal(0, confirmed.ExitCode);
        Assert.Equal("deleted namespace team-a", confirmed.Output.Trim());
        Assert.False(await client.BlobExistsAsync(digest));

        var anonymous = await CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "delete", "namespace", "team-b", "--yes"]);
        Assert.Equal(ExitCodes.Error, anonymous.ExitCode);
        Assert.EndsWith("(give a token with --token or CACHE_TOKEN)", anonymous.Error.Trim());
        var readOnly = (await TestAuth.IssueAsync(Server, "reader", "team-a:read")).Token;
        var forbidden = await CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "--token", readOnly, "-n", "team-a", "blob", "put", file]);
        Assert.EndsWith("(the token's scopes do not cover this namespace or permission)", forbidden.Error.Trim());

        var nothing = await CliAsync("delete", "namespace", "team-a", "--yes");
        Assert.Equal(ExitCodes.NotFound, nothing.ExitCode);
        Assert.Equal("error: namespace team-a not found (it holds nothing)", nothing.Error.Trim());
        Assert.Equal(ExitCodes.NotFound, (await CliAsync("delete", "namespace", "never-existed", "-y")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await CliAsync("delete", "namespace", "not a name", "--yes")).ExitCode);
    }

    private Task<(int ExitCode, string Output, string Error)> CliAsync(params string[] args) =>
        CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "--token", TestAuth.BootstrapToken, "--local-cache", Path.Combine(WorkDirectory, "local"), .. args]);

    private Task<(int ExitCode, string Output, string Error)> CliOnTerminalAsync(string typed, params string[] args) =>
        CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "--token", TestAuth.BootstrapToken, .. args],
            host => host with { InputIsTerminal = true, Input = new StringReader(typed) });
}
