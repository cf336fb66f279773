using System.Security.Cryptography;
using CacheRegistry.Cli;
using CacheRegistry.Client;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Cli;

/// <summary>
/// The command line as a newcomer meets it: help that is always there and never shows a secret,
/// mistyped options caught with a suggestion, and every mistake one line on stderr with an exit code
/// scripts can rely on, checked before anything is sent.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection(BackendCollection.Name)]
public sealed class CliUsageTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    [Fact]
    public async Task Cache_alone_and_a_command_group_alone_print_their_help()
    {
        var alone = await CliRunner.RunAsync([]);
        Assert.Equal(0, alone.ExitCode);
        Assert.Contains("Usage:", alone.Output);
        Assert.Contains("push", alone.Output);
        Assert.Empty(alone.Error);

        var group = await CliRunner.RunAsync(["tag"]);
        Assert.Equal(0, group.ExitCode);
        Assert.Contains("cache tag [command] [options]", group.Output);
        Assert.Contains("add <artifact> <tag>", group.Output);
    }

    [Fact]
    public async Task Mistyped_options_and_commands_are_usage_errors_with_a_suggestion()
    {
        var file = Path.Combine(WorkDirectory, "file");
        await File.WriteAllTextAsync(file, "content");

        // Before: taken for the artifact and a path. Now nothing is pushed.
        var option = await RunAsync("push", "--nmespace", "acme", "tool@1.0.0", file);
        Assert.Equal(ExitCodes.Usage, option.ExitCode);
        Assert.Equal("error: unknown option '--nmespace' (did you mean --namespace?); see 'cache push --help'", option.Error.Trim());

        var trailing = await RunAsync("blob", "put", file, "--jsn");
        Assert.Equal(ExitCodes.Usage, trailing.ExitCode);
        Assert.Contains("(did you mean --json?)", trailing.Error);

        var command = await RunAsync("pul");
        Assert.Equal(ExitCodes.Usage, command.ExitCode);
        Assert.Equal("error: 'pul' is not a command of 'cache' (did you mean pull?); see 'cache --help'", command.Error.Trim());

        var exec = await RunAsync("exec", "--local-only", "gcc", "-c", "x.c");
        Assert.Equal(ExitCodes.Usage, exec.ExitCode);
        Assert.Contains("put the step's command after --", exec.Error);

        // After "--" everything is the step's, options included.
        var step = await CliRunner.RunWithCommandOutputAsync(["exec", "--local-only", "--local-cache", Path.Combine(WorkDirectory, "local"), "--", "echo", "--nmespace"]);
        Assert.Equal(0, step.ExitCode);
        Assert.Equal("--nmespace\n", System.Text.Encoding.UTF8.GetString(step.CommandOutput));
    }

    [Fact]
    public async Task Help_never_shows_a_secret_from_the_environment()
    {
        var secrets = new Dictionary<string, string>
        {
            ["CACHE_TOKEN"] = "secret-token-value",
            ["CACHE_SERVER"] = "https://ci:secret-password@cache.example.com",
            ["CACHE_NAMESPACE"] = "secret-namespace",
            ["CACHE_CA_BUNDLE"] = "/secret/ca.pem",
            ["CACHE_LOCAL_DIR"] = "/secret/local",
        };
        var commands = new List<string[]> { Array.Empty<string>() };
        for (var i = 0; i < commands.Count; i++)
        {
            var help = await CliRunner.RunAsync([.. commands[i], "--help"], host => host with { Environment = name => secrets.GetValueOrDefault(name) });
            Assert.Equal(0, help.ExitCode);
            Assert.DoesNotContain("secret", help.Output);
            Assert.Contains("[env: CACHE_TOKEN]", help.Output);
            // Walk into the subcommands listed under "Commands:".
            foreach (var line in help.Output.Split("Commands:").Skip(1).SelectMany(section => section.Split('\n')).Where(l => l.StartsWith("  ") && l.Trim().Length > 0))
            {
                commands.Add([.. commands[i], line.Trim().Split(' ')[0].TrimEnd(',')]);
            }
        }
        Assert.True(commands.Count > 20, $"only {commands.Count} commands found");

        // And the installed command itself, with the variable really set.
        var output = await Processes.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "cache.dll"), "--help"], environment: new Dictionary<string, string> { ["CACHE_TOKEN"] = "secret" });
        Assert.Contains("--token <token>  ", output);
        Assert.DoesNotContain("secret", output);
    }

    [Fact]
    public async Task Malformed_project_files_are_one_line_with_file_line_and_column()
    {
        var project = Directory.CreateDirectory(Path.Combine(WorkDirectory, "project")).FullName;
        var dependencies = Path.Combine(project, "cache.json");
        await File.WriteAllTextAsync(dependencies, "{\n  \"dependencies\": {\n    \"acme/tool\": \"^1.2\",\n  \n");
        var json = await RunAsync("resolve", "--project", project);
        Assert.Equal(ExitCodes.Error, json.ExitCode);
        Assert.StartsWith($"error: {dependencies}:5:1: invalid JSON: ", json.Error);
        Assert.Single(json.Error.TrimEnd().Split('\n'));

        var lockFile = Path.Combine(project, "cache.lock");
        await File.WriteAllTextAsync(dependencies, """{ "dependencies": { "acme/tool": "^1.2" } }""");
        await File.WriteAllTextAsync(lockFile, "{ \"version\": 2,\n  \"artifacts\": { \"acme/tool\": [ }\n}");
        foreach (var args in new[] { new[] { "resolve", "--project", project }, ["pull", "--project", project], ["verify", "--project", project] })
        {
            var broken = await RunAsync(args);
            Assert.Equal(ExitCodes.Error, broken.ExitCode);
            Assert.StartsWith($"error: {lockFile}:2:33: invalid JSON: ", broken.Error);
            Assert.Contains("delete it and run cache resolve", broken.Error);
            Assert.Single(broken.Error.TrimEnd().Split('\n'));
        }

        // --verbose adds the details for whoever debugs it.
        var verbose = await RunAsync("resolve", "--project", project, "--verbose");
        Assert.Contains("   at ", verbose.Error);
    }

    [Fact]
    public async Task A_signing_key_of_the_wrong_kind_fails_before_anything_is_uploaded()
    {
        var file = Path.Combine(WorkDirectory, "tool.bin");
        await File.WriteAllBytesAsync(file, TestData.Random(10_000, seed: 5));
        var digest = TestData.Digest(await File.ReadAllBytesAsync(file));
        using var rsa = RSA.Create(2048);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keys = new (string Name, string Pem, string Problem)[]
        {
            ("rsa.pem", rsa.ExportRSAPrivateKeyPem(), "holds an RSA key"),
            ("rsa-pkcs8.pem", rsa.ExportPkcs8PrivateKeyPem(), "is not an ECDSA P-256 private key"),
            ("p384.pem", p384.ExportPkcs8PrivateKeyPem(), "holds an ECDSA key of 384 bits"),
            ("public.pem", p256.ExportSubjectPublicKeyInfoPem(), "holds a public key; signing needs the private key"),
            ("encrypted.pem", p256.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)), "is encrypted"),
            ("text.pem", "not a key at all", "holds no PEM private key"),
        };
        foreach (var (name, pem, problem) in keys)
        {
            var key = Path.Combine(WorkDirectory, name);
            await File.WriteAllTextAsync(key, pem);
            var push = await RunAsync("push", "acme/tool@1.0.0", file, "--sign", key);
            Assert.Equal(ExitCodes.Error, push.ExitCode);
            Assert.StartsWith($"error: {key} {problem}", push.Error);
            Assert.Contains("openssl", push.Error);
            Assert.Single(push.Error.TrimEnd().Split('\n'));
        }
        var missing = await RunAsync("push", "acme/tool@1.0.0", file, "--sign", Path.Combine(WorkDirectory, "absent.pem"));
        Assert.Equal(ExitCodes.Usage, missing.ExitCode);

        using var client = new CacheClient(new CacheClientOptions { Server = Server.BaseAddress, Namespace = "acme" });
        Assert.False(await client.BlobExistsAsync(digest));
        Assert.Null(await client.GetVersionAsync("tool", "1.0.0"));
    }

    [Fact]
    public async Task References_versions_tags_and_metadata_are_checked_before_any_upload()
    {
        var file = Path.Combine(WorkDirectory, "tool.bin");
        await File.WriteAllBytesAsync(file, TestData.Random(10_000, seed: 6));
        var digest = TestData.Digest(await File.ReadAllBytesAsync(file));
        var cases = new (string[] Args, string Problem)[]
        {
            (["push", "acme/Tool@1.0.0", file], "'acme/Tool@1.0.0' is not [namespace/]name@version"),
            (["push", "acme/tool", file], "give [namespace/]name@version"),
            (["push", "acme/tool@1.2", file], "'1.2' is not a SemVer 2.0 version"),
            (["push", "acme/tool@^1.2.0", file], "'^1.2.0' is not a SemVer 2.0 version"),
            (["push", "bad ns/tool@1.0.0", file], "is not [namespace/]name@version"),
            (["push", "acme/tool@1.0.0", file, "--tag", "Stable"], "'Stable' is not a tag"),
            (["push", "acme/tool@1.0.0", file, "--meta", "novalue"], "--meta 'novalue' is not key=value"),
            (["push", "acme/tool@1.0.0", file, "--meta", $"k={new string('v', 5000)}"], "metadata: at most 64 entries"),
            (["pull", "acme/tool@^^1", "-o", "x"], "'^^1' is not a version range"),
            (["yank", "acme/tool@latest"], "'latest' is not a SemVer 2.0 version"),
            (["tag", "add", "acme/tool@1.0.0", "1.0"], "'1.0' is not a tag"),
            (["-n", "bad namespace!", "push", "tool@1.0.0", file], "'bad namespace!' is not a namespace"),
        };
        foreach (var (args, problem) in cases)
        {
            var result = await RunAsync(args);
            Assert.True(result.ExitCode == ExitCodes.Usage, $"{string.Join(' ', args)}: {result.ExitCode} {result.Error}");
            Assert.Contains(problem, result.Error);
            Assert.Single(result.Error.TrimEnd().Split('\n'));
        }
        using var client = new CacheClient(new CacheClientOptions { Server = Server.BaseAddress, Namespace = "acme" });
        Assert.False(await client.BlobExistsAsync(digest));
    }

    [Fact]
    public async Task Resolve_update_of_something_that_is_not_a_dependency_is_an_error()
    {
        var file = Path.Combine(WorkDirectory, "lib.a");
        await File.WriteAllTextAsync(file, "1.0.0");
        Assert.Equal(0, (await RunAsync("push", "acme/lib@1.0.0", file)).ExitCode);
        var project = Directory.CreateDirectory(Path.Combine(WorkDirectory, "p")).FullName;
        await File.WriteAllTextAsync(Path.Combine(project, "cache.json"), """{ "dependencies": { "acme/lib": "^1" } }""");
        Assert.Equal(0, (await RunAsync("resolve", "--project", project)).ExitCode);
        var lockText = await File.ReadAllTextAsync(Path.Combine(project, "cache.lock"));

        var typo = await RunAsync("resolve", "--project", project, "--update", "acme/lb");
        Assert.Equal(ExitCodes.Error, typo.ExitCode);
        Assert.Contains("cannot update \"acme/lb\": it is not a dependency (cache.json lists acme/lib)", typo.Error);
        Assert.Equal(lockText, await File.ReadAllTextAsync(Path.Combine(project, "cache.lock")));

        var missing = await RunAsync("resolve", "--project", Directory.CreateDirectory(Path.Combine(WorkDirectory, "empty")).FullName);
        Assert.Equal(ExitCodes.Error, missing.ExitCode);
        Assert.Contains("cache.json: not found; create it, e.g.", missing.Error);
    }

    [Fact]
    public async Task Exec_of_a_missing_or_non_executable_command_exits_as_a_shell_does()
    {
        string[] local = ["exec", "--local-only", "--root", WorkDirectory];
        var missing = await RunAsync([.. local, "--", "no-such-command-here", "arg"]);
        Assert.Equal(ExitCodes.CommandNotFound, missing.ExitCode);
        Assert.Equal("error: no-such-command-here: command not found", missing.Error.Trim());

        var script = Path.Combine(WorkDirectory, "build.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\necho built\n");
        var notExecutable = await RunAsync([.. local, "--", "./build.sh"]);
        Assert.Equal(ExitCodes.CannotExecute, notExecutable.ExitCode);
        Assert.Equal($"error: {script}: permission denied (not an executable file)", notExecutable.Error.Trim());
        Assert.Equal(ExitCodes.CannotExecute, (await RunAsync([.. local, "--dry-run", "--", WorkDirectory])).ExitCode); // a directory

        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.Equal(0, (await RunAsync([.. local, "--", "./build.sh"])).ExitCode);
    }

    [Fact]
    public async Task The_client_side_range_check_agrees_with_the_server()
    {
        using var client = new CacheClient(new CacheClientOptions { Server = Server.BaseAddress, MaxRetries = 0 });
        string[] specs =
        [
            "1.2.3", "^1.2", "~1.2.3", ">=1.0 <2.0", "1.x", "1.2.X", "*", "^1.0 || ^3.0", "=1.2.3", "v1.2.3", "1.2.3-beta.1", "^1.3.0-beta.1", "1.2.3+build",
            ">1.2", "<=1.2", "~1", "01.2.3", "stable", "latest", "next-2", "rc.1",
            "", "^", "1.x.3", ">=", "1.2.3.4", "1.2-beta", "^*", ">x", "1.2.3-", "1.2.3-01", "Stable", "1..2", "1.2.3 ||", "a b", "^1.2 x", "-1",
        ];
        foreach (var spec in specs)
        {
            bool accepted;
            try
            {
                await client.ResolveAsync("tool", spec);
                accepted = true;
            }
            catch (CacheClientException e) when (e.StatusCode == System.Net.HttpStatusCode.BadRequest)
            {
                accepted = false;
            }
            Assert.True(accepted == ArtifactVersions.IsValidSpec(spec), $"'{spec}': the server {(accepted ? "accepts" : "refuses")} it");
        }

        string[] versions = ["1.2.3", "1.2.3-beta.1", "1.2.3+build.7", "1.0.0-rc.1+b", "0.0.0", "1.2", "1.2.3.4", "v1.2.3", "1.2.3-", "1.2.3-01", "01.2.3", "1.2.3+"];
        foreach (var version in versions)
        {
            bool accepted;
            try
            {
                await client.GetVersionAsync("tool", version);
                accepted = true;
            }
            catch (CacheClientException e) when (e.StatusCode == System.Net.HttpStatusCode.BadRequest)
            {
                accepted = false;
            }
            Assert.True(accepted == ArtifactVersions.IsValidVersion(version), $"'{version}': the server {(accepted ? "accepts" : "refuses")} it");
        }
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) =>
        CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "--local-cache", Path.Combine(WorkDirectory, "local-cache"), .. args]);
}
