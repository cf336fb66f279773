using System.Text.Json;
using CacheRegistry.Cli;
using CacheRegistry.Common.Api;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Integration;

/// <summary>The `cache` command line against a real server.</summary>
[Collection(BackendCollection.Name)]
public sealed class CliTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    [Fact]
    public async Task Blob_put_prints_digest_size_and_file_then_get_and_verify_round_trip()
    {
        var file = Path.Combine(WorkDirectory, "artifact.bin");
        var content = TestData.Compressible(123_456);
        await File.WriteAllBytesAsync(file, content);
        var digest = TestData.Digest(content).Hex;

        var put = await RunAsync("blob", "put", file);
        Assert.Equal(0, put.ExitCode);
        Assert.Equal($"{digest} 123456 {file}", put.Output.Trim());

        var copy = Path.Combine(WorkDirectory, "copy.bin");
        var get = await RunAsync("blob", "get", digest, "-o", copy);
        Assert.Equal(0, get.ExitCode);
        Assert.Equal(content, await File.ReadAllBytesAsync(copy));

        Assert.Equal(0, (await RunAsync("blob", "verify", copy, digest)).ExitCode);
        await File.AppendAllTextAsync(copy, "tampered");
        var verify = await RunAsync("blob", "verify", copy, digest);
        Assert.Equal(ExitCodes.Error, verify.ExitCode);
        Assert.StartsWith("error: ", verify.Error);
    }

    [Fact]
    public async Task Namespace_option_scopes_reads_and_writes()
    {
        var file = Path.Combine(WorkDirectory, "ns.bin");
        await File.WriteAllBytesAsync(file, TestData.Random(1000));
        var digest = TestData.Digest(await File.ReadAllBytesAsync(file)).Hex;

        Assert.Equal(0, (await RunAsync("--namespace", "team-a", "blob", "put", file)).ExitCode);
        Assert.Equal(0, (await RunAsync("-n", "team-a", "blob", "get", digest, "-o", Path.Combine(WorkDirectory, "a"))).ExitCode);
        Assert.Equal(ExitCodes.NotFound, (await RunAsync("-n", "team-b", "blob", "get", digest, "-o", Path.Combine(WorkDirectory, "b"))).ExitCode);
    }

    [Fact]
    public async Task Inspect_shows_a_table_or_json()
    {
        var file = Path.Combine(WorkDirectory, "inspect.txt");
        var content = TestData.Compressible(50_000);
        await File.WriteAllBytesAsync(file, content);
        var digest = TestData.Digest(content).Hex;
        await RunAsync("-n", "team-a", "blob", "put", file);

        var table = await RunAsync("inspect", digest);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains(digest, table.Output);
        Assert.Contains("50,000 bytes", table.Output);
        Assert.Contains("zstd", table.Output);
        Assert.Contains("team-a", table.Output);

        var json = await RunAsync("inspect", digest, "--json");
        Assert.Equal(0, json.ExitCode);
        var info = JsonSerializer.Deserialize<BlobInfo>(json.Output, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal(digest, info.Digest);
        Assert.Equal(50_000, info.Size);
        Assert.Equal(["team-a"], info.Namespaces);
    }

    [Fact]
    public async Task Exit_codes_follow_the_contract()
    {
        var unknown = TestData.Digest([4, 2]).Hex;
        var notFound = await RunAsync("blob", "get", unknown, "-o", Path.Combine(WorkDirectory, "x"));
        Assert.Equal(ExitCodes.NotFound, notFound.ExitCode);
        Assert.Equal($"error: blob {unknown} not found in namespace default", notFound.Error.Trim());
        Assert.Equal(ExitCodes.NotFound, (await RunAsync("inspect", unknown)).ExitCode);

        Assert.Equal(ExitCodes.Usage, (await RunAsync("blob", "get", "not-a-digest", "-o", "x")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("blob", "frobnicate")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("blob", "get", unknown)).ExitCode); // -o is required
        Assert.Equal(ExitCodes.Error, (await RunAsync("blob", "put", Path.Combine(WorkDirectory, "does-not-exist"))).ExitCode);

        var unreachable = await CliRunner.RunAsync(["--server", "http://127.0.0.1:1", "inspect", unknown]);
        Assert.Equal(ExitCodes.Error, unreachable.ExitCode);
        Assert.Single(unreachable.Error.Trim().Split('\n'));
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) =>
        CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), .. args]);
}
