using System.Text.RegularExpressions;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.EndToEnd;

/// <summary>
/// The real build tools against a real server: each builds a small workspace twice with nothing
/// shared but the remote cache, and the second build must be served from it with identical outputs.
/// The server requires a scoped JWT, which each tool presents its own way (bearer, or as the Basic password). Workspaces are in tests/e2e.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed partial class BuildToolTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = TestAuth.Settings();

    /// <summary>What a CI pipeline would get: a JWT that may read and write the team's namespaces, nothing else.</summary>
    private string Token { get; set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Token = (await TestAuth.IssueAsync(Server, "ci", "team-*:write")).Token;
    }

    private string ServerUrl => Server.BaseAddress.ToString().TrimEnd('/');

    private string ServerUrlWithCredentials => $"http://ci:{Token}@{Server.BaseAddress.Authority}";

    [BackendTheory]
    [InlineData("subdirs", "bearer")]
    [InlineData("flat", "basic")]
    [InlineData("bazel", "bearer")]
    public async Task Ccache_compiles_hit_the_remote_cache(string layout, string auth)
    {
        var sources = Path.Combine(RepositoryRoot.Path, "tests", "e2e", "c-project");
        var storage = auth == "basic"
            ? $"{ServerUrlWithCredentials}/team-c/ccache/project|layout={layout}"
            : $"{ServerUrl}/team-c/ccache/project|layout={layout}|bearer-token={Token}";

        async Task<(Dictionary<string, long> Stats, string Objects)> BuildAsync(string name)
        {
            var ccacheDir = Path.Combine(WorkDirectory, name, "ccache");
            var objects = Path.Combine(WorkDirectory, name, "obj");
            Directory.CreateDirectory(objects);
            var environment = new Dictionary<string, string>
            {
                ["CCACHE_DIR"] = ccacheDir,
                ["CCACHE_CONFIGPATH"] = Path.Combine(WorkDirectory, "no-ccache.conf"),
                ["CCACHE_REMOTE_STORAGE"] = storage,
            };
            foreach (var source in new[] { "main", "util", "math" })
            {
                await Processes.RunAsync("ccache", ["gcc", "-O2", "-c", Path.Combine(sources, source + ".c"), "-o", Path.Combine(objects, source + ".o")], sources, environment);
            }
            await Processes.RunAsync("gcc", ["-o", Path.Combine(objects, "app"), .. new[] { "main", "util", "math" }.Select(s => Path.Combine(objects, s + ".o"))]);
            var stats = await Processes.RunAsync("ccache", ["--print-stats"], sources, environment);
            return (ParseCcacheStats(stats), objects);
        }

        var (cold, coldObjects) = await BuildAsync("cold");
        Assert.Equal(3, cold["remote_storage_miss"]);
        Assert.True(cold["remote_storage_write"] >= 3, $"writes: {cold["remote_storage_write"]}");
        Assert.Equal(0, cold["remote_storage_error"]);

        var (warm, warmObjects) = await BuildAsync("warm");
        Assert.Equal(3, warm["remote_storage_hit"]);
        Assert.Equal(0, warm["remote_storage_miss"]);
        Assert.Equal(0, warm["remote_storage_error"]);
        AssertSameFiles(coldObjects, warmObjects);
        Assert.Equal("hello from the cache: 42", (await Processes.RunAsync(Path.Combine(warmObjects, "app"), [])).Trim());
    }

    [BackendFact]
    public async Task Bazel_builds_hit_the_remote_cache()
    {
        var template = Path.Combine(RepositoryRoot.Path, "tests", "e2e", "bazel-workspace");
        var remote = $"--remote_cache={ServerUrlWithCredentials}/team-bazel/";

        async Task<(string Output, string Report)> BuildAsync(string name)
        {
            var workspace = CopyDirectory(template, Path.Combine(WorkDirectory, name, "workspace"));
            var outputRoot = Path.Combine(WorkDirectory, name, "output-root");
            string[] startup = [$"--output_user_root={outputRoot}", "--nohome_rc"];
            try
            {
                var output = await Processes.RunAsync("bazel", [.. startup, "build", remote, "--spawn_strategy=local", "//:report"], workspace);
                return (output, await File.ReadAllTextAsync(Path.Combine(workspace, "bazel-bin", "report.txt")));
            }
            finally
            {
                await Processes.RunAsync("bazel", [.. startup, "shutdown"], workspace);
            }
        }

        var (coldOutput, coldReport) = await BuildAsync("cold");
        Assert.DoesNotContain("remote cache hit", coldOutput);

        var (warmOutput, warmReport) = await BuildAsync("warm");
        Assert.Contains("3 remote cache hit", warmOutput); // two genrules and a directory output
        Assert.Equal(coldReport, warmReport);
        Assert.Contains("HELLO FROM BAZEL THROUGH THE CACHE", warmReport);
    }

    [BackendFact]
    public async Task Turborepo_builds_hit_the_remote_cache()
    {
        var workspace = await PrepareNodeWorkspaceAsync("turbo-workspace");
        var environment = new Dictionary<string, string>
        {
            ["TURBO_API"] = ServerUrl,
            ["TURBO_TOKEN"] = Token,
            ["TURBO_TEAM"] = "team-turbo",
            ["TURBO_TELEMETRY_DISABLED"] = "1",
            ["TURBO_NO_UPDATE_NOTIFIER"] = "1",
            ["DO_NOT_TRACK"] = "1",
        };

        async Task<(string Output, string Dist)> BuildAsync(string name)
        {
            foreach (var local in new[] { ".turbo", "node_modules/.cache/turbo", "packages/greeter/dist", "packages/greeter/.turbo" })
            {
                DeleteIfExists(Path.Combine(workspace, local));
            }
            var output = await Processes.RunAsync(Path.Combine(workspace, "node_modules", ".bin", "turbo"), ["run", "build", "--ui=stream"], workspace, environment);
            return (output, CopyDirectory(Path.Combine(workspace, "packages", "greeter", "dist"), Path.Combine(WorkDirectory, name)));
        }

        var (coldOutput, coldDist) = await BuildAsync("cold");
        Assert.Contains("0 cached, 1 total", coldOutput);

        var (warmOutput, warmDist) = await BuildAsync("warm");
        Assert.Contains("FULL TURBO", warmOutput);
        Assert.Contains("cache hit", warmOutput);
        AssertSameFiles(coldDist, warmDist);
    }

    [BackendFact]
    public async Task Nx_builds_hit_the_remote_cache()
    {
        var workspace = await PrepareNodeWorkspaceAsync("nx-workspace");

        async Task<(string Output, string Dist)> BuildAsync(string name)
        {
            DeleteIfExists(Path.Combine(workspace, ".nx"));
            DeleteIfExists(Path.Combine(workspace, "packages", "greeter", "dist"));
            var environment = new Dictionary<string, string>
            {
                ["NX_SELF_HOSTED_REMOTE_CACHE_SERVER"] = $"{ServerUrl}/team-nx",
                ["NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN"] = Token,
                ["NX_DAEMON"] = "false",
                ["NX_NO_CLOUD"] = "true",
                ["NX_TUI"] = "false",
                ["NX_CACHE_DIRECTORY"] = Path.Combine(WorkDirectory, name, "nx-cache"),
            };
            var output = await Processes.RunAsync(Path.Combine(workspace, "node_modules", ".bin", "nx"), ["run", "greeter:build"], workspace, environment);
            return (output, CopyDirectory(Path.Combine(workspace, "packages", "greeter", "dist"), Path.Combine(WorkDirectory, name, "dist")));
        }

        var (coldOutput, coldDist) = await BuildAsync("cold");
        Assert.DoesNotContain("[remote cache]", coldOutput);

        var (warmOutput, warmDist) = await BuildAsync("warm");
        Assert.Contains("[remote cache]", warmOutput);
        AssertSameFiles(coldDist, warmDist);
    }

    /// <summary>A fresh copy of a JS workspace with its dependencies installed at the committed lockfile's versions.</summary>
    /// <remarks>
    /// Not `npm ci`: our npm registry copy lacks the other platforms' optional binaries of turbo and nx,
    /// so the lockfile lists only Linux's and `npm ci` rejects it as out of sync with package.json.
    /// </remarks>
    private async Task<string> PrepareNodeWorkspaceAsync(string name)
    {
        var workspace = CopyDirectory(Path.Combine(RepositoryRoot.Path, "tests", "e2e", name), Path.Combine(WorkDirectory, name));
        await Processes.RunAsync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], workspace);
        return workspace;
    }

    private static Dictionary<string, long> ParseCcacheStats(string printStats) =>
        StatLine().Matches(printStats).ToDictionary(m => m.Groups[1].Value, m => long.Parse(m.Groups[2].Value));

    [GeneratedRegex(@"^(\w+)\t(\d+)$", RegexOptions.Multiline)]
    private static partial Regex StatLine();

    private static void AssertSameFiles(string expectedDirectory, string actualDirectory)
    {
        var expected = Directory.GetFiles(expectedDirectory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(expectedDirectory, f)).Order().ToList();
        var actual = Directory.GetFiles(actualDirectory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(actualDirectory, f)).Order().ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
        foreach (var file in expected)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expectedDirectory, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actualDirectory, file))),
                $"{file} differs between the builds");
        }
    }

    private static string CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.Split(Path.DirectorySeparatorChar).Contains("node_modules")) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, relative))!);
            File.Copy(file, Path.Combine(target, relative));
        }
        return target;
    }

    private static void DeleteIfExists(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
    }
}
