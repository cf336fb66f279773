using System.Diagnostics;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;

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

    private readonly string _directory;
    private readonly int _port;
    private Process? _process;

    private S3Emulator(string directory, int port)
    {
        _directory = directory;
        _port = port;
        ServiceUrl = $"http://127.0.0.1:{port}";
    }

    public string ServiceUrl { get; }

    /// <summary>A client for the emulator, with the settings it needs (checksums only where S3 requires them).</summary>
    public AmazonS3Client Connect() => new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
    {
        ServiceURL = ServiceUrl,
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    public static async Task<S3Emulator> StartAsync()
    {
        var package = Path.Combine(RepositoryRoot.Path, "tests", "s3rver");
        if (!Directory.Exists(Path.Combine(package, "node_modules", "@20minutes", "s3rver")))
        {
            await Processes.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], package);
        }

        var emulator = new S3Emulator(Directory.CreateTempSubdirectory("cacheregistry-s3-").FullName, Net.FreeLoopbackPort());
        try
        {
            await emulator.StartAgainAsync();
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }
        return emulator;
    }

    /// <summary>Starts the (stopped) emulator again, on the same port and data.</summary>
    public async Task StartAgainAsync()
    {
        _process = Processes.Start("node",
            ["start.js", "-d", _directory, "-a", "127.0.0.1", "-p", _port.ToString(), "--configure-bucket", Bucket, "--allow-mismatched-signatures", "-s"],
            Path.Combine(RepositoryRoot.Path, "tests", "s3rver"),
            // The emulator's list continuation tokens use DES, which Node refuses without the legacy provider.
            new Dictionary<string, string> { ["NODE_OPTIONS"] = "--openssl-legacy-provider" },
            out StringBuilder output);
        await Net.WaitForPortAsync(_port, TimeSpan.FromSeconds(30), () => output.ToString());
    }

    /// <summary>Stops the emulator at once (an outage, as far as its clients can tell).</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
