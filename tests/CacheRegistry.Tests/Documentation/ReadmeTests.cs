using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Documentation;

/// <summary>
/// The README's marked shell blocks are executable documentation: each runs with <c>bash -euo pipefail</c>
/// in a fresh directory against a fresh server (the embedded default), with the `cache` built here on PATH,
/// and must exit 0. A case is named by the README line of its block.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ReadmeTests
{
    /// <summary>How many blocks are marked today: removing markers must not make the test pass with less.</summary>
    private const int MarkedBlocks = 7;

    public static TheoryData<int> BlockLines => [.. ReadmeExamples.Blocks.Select(b => b.Line)];

    [Theory]
    [MemberData(nameof(BlockLines))]
    public async Task Readme_block_runs(int line)
    {
        var block = ReadmeExamples.At(line);
        var scratch = Directory.CreateTempSubdirectory("cacheregistry-readme-").FullName;
        var backend = new SqliteFileSystemBackend();
        try
        {
            var settings = new Dictionary<string, string?>(backend.Settings);
            var environment = new Dictionary<string, string>();
            if (block.Auth)
            {
                foreach (var (key, value) in TestAuth.Settings()) settings[key] = value;
                environment["BOOTSTRAP_TOKEN"] = TestAuth.BootstrapToken;
            }
            await using var server = await TestServer.StartAsync(settings);
            var tools = ReadmeExamples.CreateToolDirectory(scratch);
            var work = Directory.CreateDirectory(Path.Combine(scratch, "work")).FullName;

            foreach (var step in block.Chain)
            {
                var result = await ReadmeExamples.RunAsync(step.Script, work, tools, server.BaseAddress, environment);
                Assert.True(result.ExitCode == 0,
                    $"README.md line {step.Line}{(step == block ? "" : $" (run before line {block.Line})")}: the block exited with {result.ExitCode}\n" +
                    $"--- block ---\n{step.Script}--- stdout ---\n{result.Output}--- stderr ---\n{result.Error}");
            }
        }
        finally
        {
            await backend.DisposeAsync();
            Directory.Delete(scratch, recursive: true);
        }
    }

    [Fact]
    public void Readme_marks_its_runnable_examples()
    {
        var blocks = ReadmeExamples.Parse(File.ReadAllLines(ReadmeExamples.ReadmePath));
        Assert.True(blocks.Count >= MarkedBlocks, $"README.md marks {blocks.Count} blocks to run; expected at least {MarkedBlocks}");
        // The CLI flows a newcomer copies are among them.
        foreach (var command in new[] { "cache blob put", "cache push", "cache resolve", "cache pull", "cache verify", "cache list", "cache exec", "cache inspect", "cache token create", "curl " })
        {
            Assert.Contains(blocks, b => b.Script.Contains(command, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Markers_are_checked()
    {
        var blocks = ReadmeExamples.Parse(["<!-- test: run -->", "```sh", "echo a", "```", "", "<!-- test: run after the previous block -->", "```sh", "echo b", "```"]);
        Assert.Equal([2, 7], blocks.Select(b => b.Line));
        Assert.Equal([2, 7], blocks[1].Chain.Select(b => b.Line));
        Assert.Throws<FormatException>(() => ReadmeExamples.Parse(["<!-- test: runn -->", "```sh", "echo", "```"]));
        Assert.Throws<FormatException>(() => ReadmeExamples.Parse(["<!-- test: run -->", "", "```sh", "echo", "```"]));
        Assert.Throws<FormatException>(() => ReadmeExamples.Parse(["<!-- test: run -->", "```json", "{}", "```"]));
        Assert.Throws<FormatException>(() => ReadmeExamples.Parse(["<!-- test: run after the previous block -->", "```sh", "echo", "```"]));
    }

    [Fact]
    public async Task A_failing_block_fails_with_its_output()
    {
        var scratch = Directory.CreateTempSubdirectory("cacheregistry-readme-").FullName;
        try
        {
            var tools = ReadmeExamples.CreateToolDirectory(scratch);
            var failed = await ReadmeExamples.RunAsync("echo out\necho err >&2\nexit 3\n", scratch, tools, server: null);
            Assert.Equal((3, "out\n", "err\n"), (failed.ExitCode, failed.Output, failed.Error));
            // -e, -u and pipefail: a failing command, an unset variable or a failing pipe stage stops the block.
            Assert.NotEqual(0, (await ReadmeExamples.RunAsync("false\necho never\n", scratch, tools, server: null)).ExitCode);
            Assert.NotEqual(0, (await ReadmeExamples.RunAsync("echo \"$README_UNSET_VARIABLE\"\n", scratch, tools, server: null)).ExitCode);
            Assert.NotEqual(0, (await ReadmeExamples.RunAsync("false | cat\n", scratch, tools, server: null)).ExitCode);
            // The README's addresses become the test server's.
            var replaced = await ReadmeExamples.RunAsync("echo http://127.0.0.1:5080/cas; echo \"$CACHE_SERVER\"\n", scratch, tools, new Uri("http://127.0.0.1:1234/"));
            Assert.Equal("http://127.0.0.1:1234/cas\nhttp://127.0.0.1:1234\n", replaced.Output);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
