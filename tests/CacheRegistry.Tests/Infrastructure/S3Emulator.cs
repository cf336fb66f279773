using System.Diagnostics;
using System.Text;

namespace CacheRegistry.Tests.Infrastructure;

/// <summary>
/// The @20minutes/s3rver S3 emulator (tests/s3rver, pinned by its package-lock.json) on a free loopback
/// port, with one bucket. Installs its npm packages first if they are missing.
/// </summary>
public sealed class S3Emulator : IAsyncDisposable
{
    public const string Bucket = "cacheregistry-test";
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private readonly Process _process;
    private readonly string _directory;

    private S3Emulator(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        ServiceUrl = $"http://127.0.0.1:{port}";
    }

    public string ServiceUrl { get; }

    public static async Task<S3Emulator> StartAsync()
    {
        var package = Path.Combine(RepositoryRoot.Path, "tests", "s3rver");
        if (!Directory.Exists(Path.Combine(package, "node_modules", "@20minutes", "s3rver")))
        {
            await Processes.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], package);
        }

        var directory = Directory.CreateTempSubdirectory("cacheregistry-s3-").FullName;
        var port = Net.FreeLoopbackPort();
        var process = Processes.Start("node",
            ["start.js", "-d", directory, "-a", "127.0.0.1", "-p", port.ToString(), "--configure-bucket", Bucket, "--allow-mismatched-signatures", "-s"],
            package,
            // The emulator's list continuation tokens use DES, which Node refuses without the legacy provider.
            new Dictionary<string, string> { ["NODE_OPTIONS"] = "--openssl-legacy-provider" },
            out StringBuilder output);
        var emulator = new S3Emulator(process, directory, port);
        try
        {
            await Net.WaitForPortAsync(port, TimeSpan.FromSeconds(30), () => output.ToString());
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }
        return emulator;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
