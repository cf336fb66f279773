using System.Net;
using CacheRegistry.Cli;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Security;

/// <summary>
/// HTTPS with the documented Kestrel certificate settings (PEM files from a private CA), used by the
/// CLI with --ca-bundle and by curl over HTTP/2; and token management through the CLI.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class TransportTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private string _caBundle = null!;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings
    {
        get
        {
            var (caPem, certificatePath, keyPath) = TestCertificates.Create(WorkDirectory);
            _caBundle = caPem;
            return TestAuth.Settings(
                ("Kestrel:Endpoints:Https:Url", "https://127.0.0.1:0"),
                ("Kestrel:Endpoints:Https:Certificate:Path", certificatePath),
                ("Kestrel:Endpoints:Https:Certificate:KeyPath", keyPath));
        }
    }

    [Fact]
    public async Task The_cli_works_over_https_with_a_ca_bundle()
    {
        Assert.Equal("https", Server.BaseAddress.Scheme);
        var file = Path.Combine(WorkDirectory, "artifact.bin");
        await File.WriteAllBytesAsync(file, TestData.Compressible(100_000));
        var digest = TestData.Digest(await File.ReadAllBytesAsync(file)).Hex;

        var put = await RunCliAsync("--ca-bundle", _caBundle, "--token", TestAuth.BootstrapToken, "blob", "put", file);
        Assert.Equal(0, put.ExitCode);
        Assert.StartsWith(digest, put.Output);
        var copy = Path.Combine(WorkDirectory, "copy.bin");
        Assert.Equal(0, (await RunCliAsync("--ca-bundle", _caBundle, "--token", TestAuth.BootstrapToken, "blob", "get", digest, "-o", copy)).ExitCode);
        Assert.Equal(await File.ReadAllBytesAsync(file), await File.ReadAllBytesAsync(copy));

        // Without the CA the server's certificate is not trusted: one line that says so and how to trust it.
        var untrusted = await RunCliAsync("--token", TestAuth.BootstrapToken, "inspect", digest);
        Assert.Equal(ExitCodes.Error, untrusted.ExitCode);
        Assert.StartsWith($"error: the certificate of {Server.BaseAddress} is not trusted (", untrusted.Error);
        Assert.EndsWith("if a private CA signed it, pass the CA's PEM file with --ca-bundle FILE or CACHE_CA_BUNDLE", untrusted.Error.Trim());
        Assert.Single(untrusted.Error.Trim().Split('\n'));
        var wrongBundle = await RunCliAsync("--ca-bundle", Path.Combine(WorkDirectory, "server.crt"), "--token", TestAuth.BootstrapToken, "inspect", digest);
        Assert.Contains($"is not trusted by the CA bundle {Path.Combine(WorkDirectory, "server.crt")}", wrongBundle.Error);
        Assert.Equal(ExitCodes.Usage, (await RunCliAsync("--ca-bundle", Path.Combine(WorkDirectory, "absent.pem"), "inspect", digest)).ExitCode);
    }

    [Fact]
    public async Task Curl_gets_http2_with_the_ca_bundle()
    {
        var output = await Processes.RunAsync("curl", ["--silent", "--show-error", "--cacert", _caBundle, "--http2",
            "--output", "/dev/null", "--write-out", "%{http_code} %{http_version}", new Uri(Server.BaseAddress, "healthz").ToString()]);
        Assert.Equal("200 2", output.Trim());

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Processes.RunAsync("curl", ["--silent", "--show-error", new Uri(Server.BaseAddress, "healthz").ToString()]));
        Assert.Contains("certificate", refused.Message);
    }

    [Fact]
    public async Task Tokens_are_managed_through_the_cli()
    {
        string[] admin = ["--ca-bundle", _caBundle, "--token", TestAuth.BootstrapToken];
        var created = await RunCliAsync([.. admin, "token", "create", "--namespace", "ci-*", "--scope", "read,write", "--ttl", "7d", "--name", "ci-main"]);
        Assert.Equal(0, created.ExitCode);
        var token = created.Output.Trim();
        Assert.Equal(3, token.Split('.').Length); // a JWT, alone on stdout for scripts
        var id = created.Error.Split(' ')[1];

        var file = Path.Combine(WorkDirectory, "ci.bin");
        await File.WriteAllBytesAsync(file, [1, 2, 3]);
        Assert.Equal(0, (await RunCliAsync("--ca-bundle", _caBundle, "--token", token, "-n", "ci-main", "blob", "put", file)).ExitCode);
        Assert.Equal(ExitCodes.Error, (await RunCliAsync("--ca-bundle", _caBundle, "--token", token, "-n", "prod", "blob", "put", file)).ExitCode);

        var list = await RunCliAsync([.. admin, "token", "list"]);
        Assert.Contains(id, list.Output);
        Assert.Contains("ci-*:read ci-*:write", list.Output);
        Assert.DoesNotContain(token, list.Output);

        Assert.Equal(0, (await RunCliAsync([.. admin, "token", "revoke", id])).ExitCode);
        Assert.Equal(ExitCodes.Error, (await RunCliAsync("--ca-bundle", _caBundle, "--token", token, "-n", "ci-main", "blob", "put", file)).ExitCode);
        Assert.Equal(ExitCodes.NotFound, (await RunCliAsync([.. admin, "token", "revoke", "00112233445566778899aabbccddeeff"])).ExitCode);

        Assert.Equal(ExitCodes.Usage, (await RunCliAsync([.. admin, "token", "create", "--scope", "read"])).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await RunCliAsync([.. admin, "token", "create", "--namespace", "x", "--scope", "root"])).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await RunCliAsync([.. admin, "token", "create", "--namespace", "x", "--scope", "read", "--ttl", "soon"])).ExitCode);
    }

    private Task<(int ExitCode, string Output, string Error)> RunCliAsync(params string[] args) =>
        CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), .. args]);
}
