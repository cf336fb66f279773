using System.Text;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.EndToEnd;

/// <summary>
/// `cache exec` building a real C project (three compiles and a link, with gcc) through the cache, on
/// both storage configurations: a clean checkout elsewhere with an empty local tier restores everything
/// without running the compiler, and a changed source misses only the steps that depend on it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection(BackendCollection.Name)]
public sealed class ExecTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private static readonly string[] Sources = ["main", "util", "math"];
    private string _compiler = null!;
    private string _invocations = null!;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = TestAuth.Settings();

    private string Token { get; set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Token = (await TestAuth.IssueAsync(Server, "builder", "builds:write")).Token;
        // A compiler wrapper that counts its invocations, so the test can prove hits ran nothing.
        _invocations = Path.Combine(WorkDirectory, "invocations.log");
        _compiler = Path.Combine(WorkDirectory, "tools", "cc");
        Directory.CreateDirectory(Path.GetDirectoryName(_compiler)!);
        await File.WriteAllTextAsync(_compiler, $"#!/bin/sh\necho \"$@\" >> '{_invocations}'\nexec gcc \"$@\"\n");
        File.SetUnixFileMode(_compiler, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [BackendFact]
    public async Task A_clean_checkout_elsewhere_restores_everything_without_compiling()
    {
        var first = Checkout("first");
        await BuildAsync(first, "local-1");
        Assert.Equal(4, Invocations()); // three compiles and a link
        Assert.Equal("hello from the cache: 42", (await Processes.RunAsync(Path.Combine(first, "build", "app"), [])).Trim());

        var second = Checkout("second");
        await BuildAsync(second, "local-2");
        Assert.Equal(4, Invocations()); // nothing ran
        foreach (var output in new[] { "build/main.o", "build/util.o", "build/math.o", "build/app" })
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(first, output)), await File.ReadAllBytesAsync(Path.Combine(second, output)));
        }
        Assert.True(File.GetUnixFileMode(Path.Combine(second, "build", "app")).HasFlag(UnixFileMode.UserExecute));
        Assert.Equal("hello from the cache: 42", (await Processes.RunAsync(Path.Combine(second, "build", "app"), [])).Trim());

        // A changed source misses its compile and the link, nothing else.
        await File.AppendAllTextAsync(Path.Combine(second, "math.c"), "\nint thrice(int x) { return add(x, twice(x)); }\n");
        await BuildAsync(second, "local-2");
        Assert.Equal(6, Invocations());
        Assert.Equal(2, File.ReadLines(_invocations).Skip(4).Count(line => line.Contains("math.c") || line.Contains("-o build/app")));

        // --explain names the input whose change caused the miss.
        await File.AppendAllTextAsync(Path.Combine(second, "math.c"), "\n/* again */\n");
        var explained = await ExecAsync(second, "local-2", ["--explain", "--dry-run"], CompileStep("math"));
        Assert.Equal(0, explained.ExitCode);
        Assert.EndsWith("miss", explained.Output.Trim());
        Assert.Contains("input math.c changed", explained.Error);
        Assert.Equal(6, Invocations());
    }

    [BackendFact]
    public async Task Hits_replay_the_output_and_exit_code_and_failures_are_not_cached_unless_asked()
    {
        var workspace = Checkout("replay");
        string[] step = ["--out", "note.txt", "--", "sh", "-c", "echo built > note.txt; echo to-stdout; echo to-stderr >&2; exit 0"];
        var miss = await ExecAsync(workspace, "local", [], step);
        Assert.Equal("to-stdout\n", Encoding.UTF8.GetString(miss.CommandOutput));
        File.Delete(Path.Combine(workspace, "note.txt"));

        var hit = await ExecAsync(workspace, "other-local", [], step);
        Assert.Equal(0, hit.ExitCode);
        Assert.Equal("to-stdout\n", Encoding.UTF8.GetString(hit.CommandOutput));
        Assert.Equal("to-stderr\n", Encoding.UTF8.GetString(hit.CommandError));
        Assert.Equal("built\n", await File.ReadAllTextAsync(Path.Combine(workspace, "note.txt")));

        string[] failing = ["--", "sh", "-c", "echo ran >> runs.log; exit 3"];
        Assert.Equal(3, (await ExecAsync(workspace, "local", [], failing)).ExitCode);
        Assert.Equal(3, (await ExecAsync(workspace, "local", [], failing)).ExitCode);
        Assert.Equal(2, File.ReadLines(Path.Combine(workspace, "runs.log")).Count()); // not cached: ran twice

        string[] cachedFailure = ["--cache-failures", "--", "sh", "-c", "echo ran >> cached-runs.log; exit 4"];
        Assert.Equal(4, (await ExecAsync(workspace, "local", [], cachedFailure)).ExitCode);
        Assert.Equal(4, (await ExecAsync(workspace, "fresh-local", [], cachedFailure)).ExitCode);
        Assert.Single(File.ReadLines(Path.Combine(workspace, "cached-runs.log")));

        var missingOutput = await ExecAsync(workspace, "local", [], ["--out", "never-made.txt", "--", "sh", "-c", "true"]);
        Assert.Equal(1, missingOutput.ExitCode);
        Assert.Contains("never-made.txt", missingOutput.Error);
    }

    private async Task BuildAsync(string workspace, string localTier)
    {
        Directory.CreateDirectory(Path.Combine(workspace, "build"));
        foreach (var source in Sources)
        {
            var compile = await ExecAsync(workspace, localTier, [], CompileStep(source));
            Assert.True(compile.ExitCode == 0, compile.Error);
        }
        var link = await ExecAsync(workspace, localTier, [],
            ["--in", "build/*.o", "--out", "build/app", "--", _compiler, "-o", "build/app", "build/main.o", "build/util.o", "build/math.o"]);
        Assert.True(link.ExitCode == 0, link.Error);
    }

    private string[] CompileStep(string source) =>
        ["--in", $"{source}.c", "--in", "*.h", "--out", $"build/{source}.o", "--", _compiler, "-O2", "-c", $"{source}.c", "-o", $"build/{source}.o"];

    private Task<(int ExitCode, string Output, string Error, byte[] CommandOutput, byte[] CommandError)> ExecAsync(
        string workspace, string localTier, string[] options, string[] step) =>
        CliRunner.RunWithCommandOutputAsync(["--server", Server.BaseAddress.ToString(), "--token", Token, "-n", "builds",
            "exec", "--root", workspace, "--local-cache", Path.Combine(WorkDirectory, localTier), .. options, .. step]);

    private string Checkout(string name)
    {
        var target = Path.Combine(WorkDirectory, name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "tests", "e2e", "c-project")))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        return target;
    }

    private int Invocations() => File.Exists(_invocations) ? File.ReadLines(_invocations).Count() : 0;
}
