using System.Text.RegularExpressions;
using CacheRegistry.Cli;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Unit;

public class CliVersionTests
{
    [Fact]
    public void Names_the_version_and_the_commit_it_was_built_from() =>
        Assert.Equal("cache 0.1.0 (commit 4a19228c1bdd3f87e1d196757498eafb088aecbf)", CliVersion.Describe("0.1.0+4a19228c1bdd3f87e1d196757498eafb088aecbf"));

    [Fact]
    public void Says_so_when_built_outside_a_git_checkout() =>
        Assert.Equal("cache 0.1.0 (commit unknown (built outside a git checkout))", CliVersion.Describe("0.1.0"));

    [Fact]
    public async Task The_version_option_prints_the_build_s_version_and_commit()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync(["--version"]);
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal(CliVersion.Text, output.TrimEnd());
        // These tests are built from a checkout (a clone or a worktree, whose .git is a file).
        var checkout = Path.Combine(RepositoryRoot.Path, ".git");
        if (Directory.Exists(checkout) || File.Exists(checkout)) Assert.Matches(new Regex(@"^cache \d+\.\d+\.\d+\S* \(commit [0-9a-f]{40}\)$"), CliVersion.Text);
    }
}
