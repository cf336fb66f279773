using CacheRegistry.Cli;
using CacheRegistry.Client;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Artifacts;

/// <summary>
/// Symbolic links in what is published (issue 12's finding: push used to follow a link to /etc/passwd
/// and publish it). Links inside the pushed directory are stored as links and restored by pull; a
/// link leading outside fails the push before anything is sent; --follow-symlinks opts in.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection(BackendCollection.Name)]
public sealed class ArtifactSymlinkTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = TestAuth.Settings();

    private string _token = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _token = (await TestAuth.IssueAsync(Server, "ci-main", "acme:write")).Token;
    }

    [BackendFact]
    public async Task Links_inside_the_tree_are_published_as_links_and_pulled_as_links()
    {
        var dist = Directory.CreateDirectory(Path.Combine(WorkDirectory, "dist", "lib")).Parent!.FullName;
        await File.WriteAllTextAsync(Path.Combine(dist, "lib", "libtool.so.1"), "the library");
        File.CreateSymbolicLink(Path.Combine(dist, "lib", "libtool.so"), "libtool.so.1");
        Directory.CreateSymbolicLink(Path.Combine(dist, "current"), "lib"); // a directory link: one entry, not walked
        File.CreateSymbolicLink(Path.Combine(dist, "lib", "absolute"), Path.Combine(dist, "lib", "libtool.so.1")); // absolute, but inside

        var push = await CliAsync("push", "acme/tool@1.0.0", dist);
        Assert.True(push.ExitCode == 0, push.Error);
        Assert.Contains("1 files, 3 links", push.Output);

        var project = Directory.CreateDirectory(Path.Combine(WorkDirectory, "project")).FullName;
        await File.WriteAllTextAsync(Path.Combine(project, "cache.json"), """{ "dependencies": { "acme/tool": "1.0.0" } }""");
        Assert.Equal(0, (await CliAsync("resolve", "--project", project)).ExitCode);
        Assert.Contains("""{ "path": "lib/libtool.so", "linkTarget": "libtool.so.1" }""", await File.ReadAllTextAsync(Path.Combine(project, "cache.lock")));
        var pull = await CliAsync("pull", "--project", project);
        Assert.True(pull.ExitCode == 0, pull.Error);

        var pulled = Path.Combine(project, "artifacts", "acme", "tool");
        Assert.Equal("libtool.so.1", new FileInfo(Path.Combine(pulled, "lib", "libtool.so")).LinkTarget);
        Assert.Equal("libtool.so.1", new FileInfo(Path.Combine(pulled, "lib", "absolute")).LinkTarget); // made relative: it works wherever it is pulled
        Assert.Equal("lib", new DirectoryInfo(Path.Combine(pulled, "current")).LinkTarget);
        Assert.Equal("the library", await File.ReadAllTextAsync(Path.Combine(pulled, "current", "libtool.so")));
        Assert.Contains("0 downloaded, 4 already present", (await CliAsync("pull", "--project", project)).Output);
        Assert.Equal(0, (await CliAsync("verify", "--project", project)).ExitCode);

        // A link pointed elsewhere locally is a difference, like an edited file.
        File.Delete(Path.Combine(pulled, "lib", "libtool.so"));
        File.CreateSymbolicLink(Path.Combine(pulled, "lib", "libtool.so"), "/etc/hostname");
        var verify = await CliAsync("verify", "--project", project);
        Assert.Contains("acme/tool: lib/libtool.so: links to /etc/hostname, expected libtool.so.1", verify.Error);
        Assert.Equal(ExitCodes.Error, (await CliAsync("pull", "--project", project)).ExitCode);
        Assert.Equal(0, (await CliAsync("pull", "--project", project, "--force")).ExitCode);
        Assert.Equal("libtool.so.1", new FileInfo(Path.Combine(pulled, "lib", "libtool.so")).LinkTarget);
    }

    [BackendFact]
    public async Task A_link_leading_outside_fails_the_push_and_publishes_nothing()
    {
        var secret = Path.Combine(WorkDirectory, "runner-secret");
        await File.WriteAllTextAsync(secret, "the runner's credentials");
        var dist = Directory.CreateDirectory(Path.Combine(WorkDirectory, "dist")).FullName;
        await File.WriteAllTextAsync(Path.Combine(dist, "tool"), "tool");
        File.CreateSymbolicLink(Path.Combine(dist, "passwd"), "/etc/passwd");
        Directory.CreateSymbolicLink(Path.Combine(dist, "home"), WorkDirectory);

        var refused = await CliAsync("push", "acme/tool@1.0.0", dist);
        Assert.Equal(ExitCodes.Error, refused.ExitCode);
        Assert.Matches(@"^error: \S+/dist/(passwd|home) is a symbolic link to \S+, outside \S+/dist; refusing to follow it \(following links is an explicit choice: --follow-symlinks\)$", refused.Error.Trim());

        // The same when the pushed path itself leads out of the working directory through a link.
        var linkedDist = Path.Combine(WorkDirectory, "work", "dist");
        Directory.CreateDirectory(Path.GetDirectoryName(linkedDist)!);
        Directory.CreateSymbolicLink(linkedDist, "/etc");
        var throughLink = await CliInAsync(Path.GetDirectoryName(linkedDist)!, "push", "acme/tool@1.0.1", "dist");
        Assert.Equal(ExitCodes.Error, throughLink.ExitCode);
        Assert.Contains("is a symbolic link to /etc", throughLink.Error);

        using var client = new CacheClient(new CacheClientOptions { Server = Server.BaseAddress, Token = _token, Namespace = "acme" });
        Assert.Null(await client.GetVersionAsync("tool", "1.0.0"));
        Assert.Null(await client.GetVersionAsync("tool", "1.0.1"));
        Assert.False(await client.BlobExistsAsync(TestData.Digest(await File.ReadAllBytesAsync(secret))));
        Assert.False(await client.BlobExistsAsync(TestData.Digest("tool"u8.ToArray()))); // nothing went up before the refusal

        // Following links is an explicit choice: then what they point to is published as files.
        File.Delete(Path.Combine(dist, "passwd"));
        Directory.Delete(Path.Combine(dist, "home"));
        File.CreateSymbolicLink(Path.Combine(dist, "secret"), secret);
        var followed = await CliAsync("push", "acme/tool@1.0.0", dist, "--follow-symlinks");
        Assert.True(followed.ExitCode == 0, followed.Error);
        var published = (await client.GetVersionAsync("tool", "1.0.0"))!;
        Assert.Equal(["secret", "tool"], published.Manifest.Files.Select(f => f.Path).Order());
        Assert.All(published.Manifest.Files, f => Assert.Null(f.LinkTarget));
    }

    [BackendFact]
    public async Task Pull_reports_extra_files_and_clean_removes_them()
    {
        var file = Path.Combine(WorkDirectory, "tool");
        await File.WriteAllTextAsync(file, "tool");
        Assert.Equal(0, (await CliAsync("push", "acme/tool@2.0.0", file)).ExitCode);
        var target = Path.Combine(WorkDirectory, "out");
        Assert.Equal(0, (await CliAsync("pull", "acme/tool@2.0.0", "-o", target)).ExitCode);
        Directory.CreateDirectory(Path.Combine(target, "old"));
        await File.WriteAllTextAsync(Path.Combine(target, "old", "stale.o"), "from an earlier version");
        File.CreateSymbolicLink(Path.Combine(target, "dangling"), "/nowhere");

        var report = await CliAsync("pull", "acme/tool@2.0.0", "-o", target);
        Assert.Equal(0, report.ExitCode);
        Assert.Contains("warning: acme/tool@2.0.0: 2 file(s) are not part of it (--clean removes them): dangling, old/stale.o", report.Error);
        Assert.True(File.Exists(Path.Combine(target, "old", "stale.o")));

        var clean = await CliAsync("pull", "acme/tool@2.0.0", "-o", target, "--clean");
        Assert.Equal(0, clean.ExitCode);
        Assert.Contains("removed 2 file(s) not part of it: dangling, old/stale.o", clean.Output);
        Assert.Equal(["tool"], Directory.EnumerateFileSystemEntries(target).Select(Path.GetFileName));
    }

    private Task<(int ExitCode, string Output, string Error)> CliAsync(params string[] args) =>
        CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "--token", _token, "--local-cache", Path.Combine(WorkDirectory, "local"), .. args]);

    // In another working directory: push checks paths below it.
    private Task<(int ExitCode, string Output, string Error)> CliInAsync(string workingDirectory, params string[] args) =>
        CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "--token", _token, "--local-cache", Path.Combine(WorkDirectory, "local"), .. args],
            host => host with { CurrentDirectory = workingDirectory });
}
