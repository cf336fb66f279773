using System.Text.Json;
using CacheRegistry.Cli;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Cli;

/// <summary>
/// Every command that prints results prints them as JSON with --json: one document on stdout that
/// parses, with exactly the fields the README documents (progress and messages stay on stderr).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection(BackendCollection.Name)]
public sealed class CliJsonTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = TestAuth.Settings();

    [Fact]
    public async Task Every_command_that_prints_results_prints_the_documented_json()
    {
        var dist = Directory.CreateDirectory(Path.Combine(WorkDirectory, "dist")).FullName;
        await File.WriteAllTextAsync(Path.Combine(dist, "tool"), "#!/bin/sh\necho tool\n");
        await File.WriteAllBytesAsync(Path.Combine(dist, "data.bin"), TestData.Random(50_000, seed: 8));
        File.CreateSymbolicLink(Path.Combine(dist, "latest"), "tool");

        var push = await JsonOf("push", "acme/tool@1.2.3", dist, "--tag", "stable", "--meta", "k=v", "--json");
        Fields(push, "namespace", "name", "version", "manifestDigest", "created", "files", "links", "uploadedFiles", "uploadedBytes", "tags");
        Assert.Equal(("acme", "tool", "1.2.3", true, 2, 1, 2), (push.Str("namespace"), push.Str("name"), push.Str("version"), push.GetProperty("created").GetBoolean(),
            push.GetProperty("files").GetInt32(), push.GetProperty("links").GetInt32(), push.GetProperty("uploadedFiles").GetInt32()));
        Assert.Equal(["stable"], push.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var project = Directory.CreateDirectory(Path.Combine(WorkDirectory, "project")).FullName;
        await File.WriteAllTextAsync(Path.Combine(project, "cache.json"), """{ "dependencies": { "acme/tool": "^1" } }""");
        var resolve = await JsonOf("resolve", "--project", project, "--json");
        Fields(resolve, "lock", "dependencies", "removed");
        var dependency = resolve.GetProperty("dependencies")[0];
        Fields(dependency, "key", "spec", "namespace", "name", "version", "manifestDigest", "change", "previousVersion");
        Assert.Equal(("acme/tool", "added", "1.2.3"), (dependency.Str("key"), dependency.Str("change"), dependency.Str("version")));

        var pull = await JsonOf("pull", "--project", project, "--json");
        var pulled = pull.GetProperty("artifacts")[0];
        Fields(pulled, "namespace", "name", "version", "directory", "downloaded", "alreadyPresent", "overwritten", "extra", "removed");
        Assert.Equal((Path.Combine(project, "artifacts", "acme", "tool"), 2), (pulled.Str("directory"), pulled.GetProperty("downloaded").GetInt32()));

        await File.WriteAllTextAsync(Path.Combine(project, "artifacts", "acme", "tool", "extra.txt"), "not part of it");
        var verify = await RunAsync("verify", "--project", project, "--json");
        Assert.Equal(ExitCodes.Error, verify.ExitCode);
        var verified = Json(verify.Output);
        Fields(verified, "ok", "artifacts", "files", "problems");
        Assert.False(verified.GetProperty("ok").GetBoolean());
        Fields(verified.GetProperty("problems")[0], "artifact", "path", "problem");
        Assert.Equal("extra.txt", verified.GetProperty("problems")[0].Str("path"));

        var artifacts = await JsonOf("list", "-n", "acme", "--json");
        Fields(artifacts, "namespace", "artifacts");
        Fields(artifacts.GetProperty("artifacts")[0], "name", "latestVersion", "versions", "updatedAt");
        var versions = await JsonOf("list", "acme/tool", "--json");
        Fields(versions, "namespace", "name", "versions");
        Fields(versions.GetProperty("versions")[0], "version", "tags", "yanked", "size", "files", "publishedAt", "publisher", "manifestDigest", "signatures");

        Fields(await JsonOf("yank", "acme/tool@1.2.3", "--json"), "namespace", "name", "version", "yanked");
        Fields(await JsonOf("tag", "add", "acme/tool@1.2.3", "lts", "--json"), "namespace", "name", "tag", "version");
        Fields(await JsonOf("tag", "rm", "acme/tool", "lts", "--json"), "namespace", "name", "tag", "version");

        var file = Path.Combine(WorkDirectory, "blob.bin");
        await File.WriteAllBytesAsync(file, TestData.Compressible(30_000));
        var put = await JsonOf("-n", "acme", "blob", "put", file, "--json");
        Fields(put, "files");
        Fields(put.GetProperty("files")[0], "path", "digest", "size", "uploaded");
        var digest = put.GetProperty("files")[0].Str("digest")!;
        var copy = Path.Combine(WorkDirectory, "copy.bin");
        Fields(await JsonOf("-n", "acme", "blob", "get", digest, "-o", copy, "--json"), "digest", "path", "size");

        Fields(await JsonOf("inspect", digest, "--json"), "digest", "size", "storedSize", "encoding", "createdAt", "lastAccessAt", "hitCount", "namespaces");
        var version = await JsonOf("inspect", "acme/tool@1.2.3", "--json");
        Fields(version, "namespace", "name", "version", "manifestDigest", "manifest", "signatures", "tags", "yanked", "createdAt", "publisher", "totalSize");
        Fields(version.GetProperty("manifest"), "name", "version", "files", "metadata");
        var link = version.GetProperty("manifest").GetProperty("files").EnumerateArray().Single(f => f.Str("path") == "latest");
        Fields(link, "path", "digest", "size", "executable", "linkTarget");
        Fields(version.GetProperty("manifest").GetProperty("files").EnumerateArray().First(f => f.Str("path") == "tool"), "path", "digest", "size", "executable");
        Fields(await JsonOf("inspect", "acme/tool", "--json"), "items", "number", "size", "total");
        Fields(await JsonOf("inspect", "stats", "--json"), "namespaces", "protocols", "largestBlobs", "mostHitBlobs", "leastRecentlyUsedBlobs");

        var workspace = Directory.CreateDirectory(Path.Combine(WorkDirectory, "workspace")).FullName;
        await File.WriteAllTextAsync(Path.Combine(workspace, "in.txt"), "input");
        var exec = await JsonOf("-n", "acme", "exec", "--root", workspace, "--in", "in.txt", "--out", "out.txt", "--dry-run", "--json", "--", "cp", "in.txt", "out.txt");
        Fields(exec, "key", "outcome", "inputs", "changes");
        Fields(exec.GetProperty("inputs"), "command", "environment", "files", "toolchain", "toolchainVersion", "platform", "salt");
        Fields(exec.GetProperty("inputs").GetProperty("files")[0], "path", "digest", "linkTarget");
        Assert.Equal("miss", exec.Str("outcome"));
        Assert.Equal(JsonValueKind.Null, exec.GetProperty("changes").ValueKind);

        Assert.Equal(0, (await RunAsync("token", "create", "--namespace", "acme", "--scope", "read")).ExitCode);
        var tokens = await JsonOf("token", "list", "--json");
        Fields(tokens[0], "id", "name", "scopes", "createdBy", "createdAt", "expiresAt", "revokedAt");

        var deleted = await JsonOf("delete", "version", "acme/tool@1.2.3", "--yes", "--json");
        Fields(deleted, "namespace", "name", "version", "deleted");
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) =>
        CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "--token", TestAuth.BootstrapToken, "--local-cache", Path.Combine(WorkDirectory, "local"), .. args]);

    private async Task<JsonElement> JsonOf(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)}: {result.Error}");
        return Json(result.Output);
    }

    private static JsonElement Json(string output) => JsonDocument.Parse(output).RootElement;

    private static void Fields(JsonElement element, params string[] names) =>
        Assert.Equal(names.Order(StringComparer.Ordinal), element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
}

internal static class JsonElementExtensions
{
    public static string? Str(this JsonElement element, string name) => element.GetProperty(name).GetString();
}
