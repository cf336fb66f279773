using System.Text.RegularExpressions;
using CacheRegistry.Client;
using CacheRegistry.Common.Api;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.EndToEnd;

/// <summary>
/// The real Bazel (4.2.3) as a REAPI client: tests/e2e/bazel-workspace built twice with fresh output
/// bases over <c>--remote_cache=grpc://</c> (plaintext HTTP/2) and <c>grpcs://</c> (TLS from a test CA),
/// with a scoped JWT in <c>--remote_header</c>: the second build must be all remote cache hits, with
/// identical outputs (a directory output among them), on both storage configurations.
/// </summary>
public abstract partial class BazelGrpcTest(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    protected string Token { get; private set; } = null!;

    /// <summary>The CA that signed the server's certificate, when it serves HTTPS.</summary>
    protected virtual string? CaBundle => null;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var admin = new CacheClient(new CacheClientOptions { Server = Server.BaseAddress, Token = TestAuth.BootstrapToken, CaBundlePath = CaBundle });
        Token = (await admin.CreateTokenAsync(new CreateTokenRequest("ci", ["team-*:write"], "1d"))).Token;
    }

    /// <summary>Startup options for the Bazel server (its JVM), e.g. to give it OpenSSL.</summary>
    protected virtual string[] StartupOptions => [];

    protected async Task BuildTwiceAsync(string remoteCache, params string[] flags)
    {
        var template = Path.Combine(RepositoryRoot.Path, "tests", "e2e", "bazel-workspace");
        // The token from an rc file, as CI would pass it: not on a command line that failures print.
        var authRc = Path.Combine(WorkDirectory, "auth.bazelrc");
        await File.WriteAllTextAsync(authRc, $"build \"--remote_header=authorization=Bearer {Token}\"\n");
        string[] remote = [$"--remote_cache={remoteCache}", "--remote_instance_name=team-bazel", .. flags];

        async Task<(string Output, string Outputs)> BuildAsync(string name)
        {
            var workspace = Copy(template, Path.Combine(WorkDirectory, name, "workspace"));
            var outputRoot = Path.Combine(WorkDirectory, name, "output-root");
            string[] startup = [$"--output_user_root={outputRoot}", "--nohome_rc", $"--bazelrc={authRc}", .. StartupOptions];
            try
            {
                var output = await Processes.RunAsync("bazel", [.. startup, "build", .. remote, "--spawn_strategy=local", "//:report"], workspace);
                return (output, Copy(Path.Combine(workspace, "bazel-bin"), Path.Combine(WorkDirectory, name, "outputs"), "report.txt", "letters"));
            }
            finally
            {
                await Processes.RunAsync("bazel", [.. startup, "shutdown"], workspace);
            }
        }

        var (coldOutput, coldOutputs) = await BuildAsync("cold");
        Assert.Equal("1 internal, 3 local", ProcessSummary().Match(coldOutput).Groups[1].Value);
        Assert.DoesNotContain("WARNING", coldOutput); // misses and uploads without a remote cache error

        var (warmOutput, warmOutputs) = await BuildAsync("warm");
        Assert.DoesNotContain("WARNING", warmOutput);
        // Every action (two genrules and a directory output) from the cache, none run.
        Assert.Equal("3 remote cache hit, 1 internal", ProcessSummary().Match(warmOutput).Groups[1].Value);
        AssertSameFiles(coldOutputs, warmOutputs);
        Assert.Contains("HELLO FROM BAZEL THROUGH THE CACHE", await File.ReadAllTextAsync(Path.Combine(warmOutputs, "report.txt")));
        Assert.Equal("hello from bazel through the cache\n", await File.ReadAllTextAsync(Path.Combine(warmOutputs, "letters", "nested", "lower.txt")));
    }

    /// <summary>A build without a token stops at Bazel's first call, with the status the server gave (not INTERNAL).</summary>
    protected async Task AssertRefusedWithoutTokenAsync(string remoteCache, params string[] flags)
    {
        var workspace = Copy(Path.Combine(RepositoryRoot.Path, "tests", "e2e", "bazel-workspace"), Path.Combine(WorkDirectory, "no-token", "workspace"));
        string[] startup = [$"--output_user_root={Path.Combine(WorkDirectory, "no-token", "output-root")}", "--nohome_rc", .. StartupOptions];
        try
        {
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => Processes.RunAsync("bazel",
                [.. startup, "build", $"--remote_cache={remoteCache}", "--remote_instance_name=team-bazel", .. flags, "--spawn_strategy=local", "//:report"], workspace));
            Assert.Contains("UNAUTHENTICATED: a token is required", refused.Message);
        }
        finally
        {
            await Processes.RunAsync("bazel", [.. startup, "shutdown"], workspace);
        }
    }

    [GeneratedRegex(@"INFO: \d+ processes: ([^.]*)\.")]
    private static partial Regex ProcessSummary();

    private static void AssertSameFiles(string expectedDirectory, string actualDirectory)
    {
        var expected = Directory.GetFiles(expectedDirectory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(expectedDirectory, f)).Order().ToList();
        Assert.Equal(["letters/nested/lower.txt", "letters/upper.txt", "report.txt"], expected);
        Assert.Equal(expected, Directory.GetFiles(actualDirectory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(actualDirectory, f)).Order());
        foreach (var file in expected)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expectedDirectory, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actualDirectory, file))), $"{file} differs between the builds");
        }
    }

    // The named entries of a directory (all of it without names), following bazel-bin's symlink.
    private static string Copy(string source, string target, params string[] only)
    {
        source = new DirectoryInfo(source).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? source;
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (only.Length > 0 && !only.Contains(relative.Split(Path.DirectorySeparatorChar)[0])) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, relative))!);
            File.Copy(file, Path.Combine(target, relative));
        }
        Directory.CreateDirectory(target);
        return target;
    }
}

[Collection(BackendCollection.Name)]
public sealed class BazelGrpcTests(BackendInfrastructure infrastructure) : BazelGrpcTest(infrastructure)
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = TestAuth.Settings();

    [BackendFact]
    public Task Bazel_builds_over_grpc_hit_the_remote_cache() => BuildTwiceAsync($"grpc://{Server.GrpcAddress!.Authority}");

    [Fact]
    public Task Bazel_without_a_token_is_refused_as_unauthenticated() => AssertRefusedWithoutTokenAsync($"grpc://{Server.GrpcAddress!.Authority}");
}

[Collection(BackendCollection.Name)]
public sealed class BazelGrpcsTests(BackendInfrastructure infrastructure) : BazelGrpcTest(infrastructure)
{
    private string _caBundle = null!;

    protected override string? CaBundle => _caBundle;

    /// <summary>
    /// Debian's Bazel 4.2.3 carries a Netty without JDK ALPN, so for TLS it needs OpenSSL: Debian's
    /// netty-tcnative (installed by test.sh), its library under the name Netty loads. Upstream Bazel
    /// releases bundle it and need none of this.
    /// </summary>
    protected override string[] StartupOptions
    {
        get
        {
            const string jar = "/usr/share/java/netty-tcnative.jar";
            var library = Directory.GetDirectories("/usr/lib").Select(d => Path.Combine(d, "jni", "libnetty-tcnative.so")).FirstOrDefault(File.Exists);
            if (!File.Exists(jar) || library is null)
            {
                throw new InvalidOperationException("Bazel over grpcs:// needs libnetty-tcnative-java and libnetty-tcnative-jni (test.sh installs them)");
            }
            var directory = Directory.CreateDirectory(Path.Combine(WorkDirectory, "jni")).FullName;
            File.Copy(library, Path.Combine(directory, "libnetty_tcnative.so"), overwrite: true); // a copy: the library checks its own file name
            return [$"--host_jvm_args=-Xbootclasspath/a:{jar}", $"--host_jvm_args=-Djava.library.path={directory}"];
        }
    }

    // HTTPS only: gRPC shares the HTTPS port (ALPN), plaintext gRPC is off.
    protected override IReadOnlyDictionary<string, string?> ExtraSettings
    {
        get
        {
            var (caBundle, certificate, key) = TestCertificates.Create(WorkDirectory);
            _caBundle = caBundle;
            return TestAuth.Settings(
                ("Kestrel:Endpoints:Https:Url", "https://127.0.0.1:0"),
                ("Kestrel:Endpoints:Https:Certificate:Path", certificate),
                ("Kestrel:Endpoints:Https:Certificate:KeyPath", key),
                ("CacheRegistry:Grpc:Url", ""));
        }
    }

    [BackendFact]
    public Task Bazel_builds_over_grpcs_hit_the_remote_cache()
    {
        Assert.Null(Server.GrpcAddress);
        Assert.Equal("https", Server.BaseAddress.Scheme);
        return BuildTwiceAsync($"grpcs://{Server.BaseAddress.Authority}", $"--tls_certificate={_caBundle}");
    }

    [Fact]
    public Task Bazel_without_a_token_is_refused_as_unauthenticated() =>
        AssertRefusedWithoutTokenAsync($"grpcs://{Server.BaseAddress.Authority}", $"--tls_certificate={_caBundle}");
}
