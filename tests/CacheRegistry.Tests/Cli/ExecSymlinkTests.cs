using System.Text.Json;
using CacheRegistry.Cli;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Cli;

/// <summary>
/// `cache exec` and symbolic links, as for push: an input or output link inside the workspace is a link
/// (its target is what counts, and a hit restores it as a link); one leading outside is an error, so a
/// committed link cannot make the cache hash or upload files from elsewhere; --follow-symlinks opts in.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection(BackendCollection.Name)]
public sealed class ExecSymlinkTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    [Fact]
    public async Task An_input_link_enters_the_key_as_its_target_and_one_leading_outside_is_refused()
    {
        var workspace = Directory.CreateDirectory(Path.Combine(WorkDirectory, "workspace", "src")).Parent!.FullName;
        await File.WriteAllTextAsync(Path.Combine(workspace, "src", "a.h"), "a");
        await File.WriteAllTextAsync(Path.Combine(workspace, "src", "b.h"), "b");
        File.CreateSymbolicLink(Path.Combine(workspace, "src", "config.h"), "a.h");
        string[] step = ["--in", "src", "--dry-run", "--json", "--", "true"];

        var first = Json(await ExecAsync(workspace, "local", step));
        Assert.Contains(first.GetProperty("inputs").GetProperty("files").EnumerateArray(),
            f => f.GetProperty("path").GetString() == "src/config.h" && f.GetProperty("linkTarget").GetString() == "a.h" && f.GetProperty("digest").ValueKind == JsonValueKind.Null);
        Assert.Equal(0, (await ExecAsync(workspace, "local", ["--in", "src", "--", "true"])).ExitCode); // a run, remembered for --explain

        File.Delete(Path.Combine(workspace, "src", "config.h"));
        File.CreateSymbolicLink(Path.Combine(workspace, "src", "config.h"), "b.h");
        var moved = Json(await ExecAsync(workspace, "local", step));
        Assert.NotEqual(first.GetProperty("key").GetString(), moved.GetProperty("key").GetString());
        Assert.Equal(["input src/config.h changed"], moved.GetProperty("changes").EnumerateArray().Select(c => c.GetString()));

        await File.WriteAllTextAsync(Path.Combine(WorkDirectory, "outside.h"), "not in the workspace");
        File.CreateSymbolicLink(Path.Combine(workspace, "src", "leak.h"), Path.Combine(WorkDirectory, "outside.h"));
        var refused = await ExecAsync(workspace, "local", ["--in", "src", "--", "true"]);
        Assert.Equal(ExitCodes.Error, refused.ExitCode);
        Assert.Contains($"{Path.Combine(workspace, "src", "leak.h")} is a symbolic link to {Path.Combine(WorkDirectory, "outside.h")}, outside {workspace}; refusing to follow it", refused.Error);
        Assert.Equal(0, (await ExecAsync(workspace, "local", ["--in", "src", "--follow-symlinks", "--", "true"])).ExitCode);
    }

    [Fact]
    public async Task An_output_link_is_restored_as_a_link_and_one_leading_outside_is_not_stored()
    {
        string[] step = ["--out", "dist", "--", "sh", "-c", "mkdir -p dist && echo v1 > dist/libx.so.1 && ln -sf libx.so.1 dist/libx.so"];
        var first = Directory.CreateDirectory(Path.Combine(WorkDirectory, "first")).FullName;
        var run = await ExecAsync(first, "local-1", step);
        Assert.True(run.ExitCode == 0, run.Error);

        var second = Directory.CreateDirectory(Path.Combine(WorkDirectory, "second")).FullName;
        var hit = await ExecAsync(second, "local-2", ["--explain", .. step]);
        Assert.True(hit.ExitCode == 0, hit.Error);
        Assert.DoesNotContain("miss", hit.Error);
        Assert.Equal("libx.so.1", new FileInfo(Path.Combine(second, "dist", "libx.so")).LinkTarget);
        Assert.Equal("v1\n", await File.ReadAllTextAsync(Path.Combine(second, "dist", "libx.so")));

        // A step that leaves a link to outside the workspace among its outputs: an error, nothing stored.
        string[] leaking = ["--out", "out", "--", "sh", "-c", "mkdir -p out && ln -sf /etc/passwd out/passwd"];
        var third = Directory.CreateDirectory(Path.Combine(WorkDirectory, "third")).FullName;
        var refused = await ExecAsync(third, "local-3", leaking);
        Assert.Equal(ExitCodes.Error, refused.ExitCode);
        Assert.Contains("is a symbolic link to /etc/passwd, outside", refused.Error);
        Assert.EndsWith("miss", (await ExecAsync(third, "local-4", ["--dry-run", .. leaking])).Output.Trim());

        // An output directory that is itself a link out of the workspace (a committed "build -> ~/.ssh").
        var fourth = Directory.CreateDirectory(Path.Combine(WorkDirectory, "fourth")).FullName;
        var home = Directory.CreateDirectory(Path.Combine(WorkDirectory, "home")).FullName;
        await File.WriteAllTextAsync(Path.Combine(home, "id_ed25519"), "private key");
        Directory.CreateSymbolicLink(Path.Combine(fourth, "build"), home);
        var throughLink = await ExecAsync(fourth, "local-5", ["--out", "build", "--", "true"]);
        Assert.Equal(ExitCodes.Error, throughLink.ExitCode);
        Assert.Contains($"{Path.Combine(fourth, "build")} is a symbolic link to {home}", throughLink.Error);
    }

    [Fact]
    public async Task Storing_and_restoring_outputs_show_progress()
    {
        string[] step = ["--out", "big.bin", "--", "sh", "-c", "head -c 2000000 /dev/urandom > big.bin"];
        var first = Directory.CreateDirectory(Path.Combine(WorkDirectory, "first")).FullName;
        var stored = await ExecAsync(first, "local-1", step, every: TimeSpan.Zero);
        Assert.True(stored.ExitCode == 0, stored.Error);
        Assert.Contains("storing outputs: 1.9 MiB in ", stored.Error);

        var second = Directory.CreateDirectory(Path.Combine(WorkDirectory, "second")).FullName;
        var restored = await ExecAsync(second, "local-2", step, every: TimeSpan.Zero);
        Assert.True(restored.ExitCode == 0, restored.Error);
        Assert.Contains("restoring outputs: 1.9 MiB in ", restored.Error);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(first, "big.bin")), await File.ReadAllBytesAsync(Path.Combine(second, "big.bin")));
    }

    private Task<(int ExitCode, string Output, string Error)> ExecAsync(string workspace, string localTier, string[] args, TimeSpan? every = null) =>
        CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "exec", "--root", workspace, "--local-cache", Path.Combine(WorkDirectory, localTier), .. args],
            host => host with { CommandStreams = () => (Stream.Null, Stream.Null), ProgressInterval = every ?? TimeSpan.FromHours(1) });

    private static JsonElement Json((int ExitCode, string Output, string Error) result)
    {
        Assert.True(result.ExitCode == 0, result.Error);
        return JsonDocument.Parse(result.Output).RootElement;
    }
}
