using System.Diagnostics;
using CacheRegistry.Cli;
using CacheRegistry.Client;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CacheRegistry.Tests.Cli;

/// <summary>
/// Long transfers: progress where it belongs (periodic lines when stderr is a log, none with --quiet,
/// never on stdout), and Ctrl-C: exit 130, no partial download left, an upload that resumes on the
/// next run, a running step stopped.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection(BackendCollection.Name)]
public sealed class TransferTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private const int MiB = 1024 * 1024;
    private readonly List<ServiceProvider> _clientServices = [];

    [Fact]
    public async Task Progress_is_printed_as_lines_in_a_log_and_not_at_all_with_quiet()
    {
        var dist = Directory.CreateDirectory(Path.Combine(WorkDirectory, "dist")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(dist, "big.bin"), TestData.Random(3 * MiB, seed: 11));

        var push = await CliAsync(["push", "acme/big@1.0.0", dist, "--json"], every: TimeSpan.Zero);
        Assert.Equal(0, push.ExitCode);
        Assert.Matches(@"pushing acme/big@1\.0\.0: [0-9.]+ (B|KiB|MiB) of 3\.0 MiB \(\d+%\), [0-9.]+ (B|KiB|MiB|GiB)/s", push.Error);
        Assert.Contains("pushing acme/big@1.0.0: 3.0 MiB in ", push.Error);
        Assert.StartsWith("{", push.Output); // stdout holds the document only

        var pull = await CliAsync(["pull", "acme/big@1.0.0", "-o", Path.Combine(WorkDirectory, "pulled")], every: TimeSpan.Zero);
        Assert.Equal(0, pull.ExitCode);
        Assert.Contains("pulling acme/big@1.0.0: 3.0 MiB in ", pull.Error);

        var digest = TestData.Digest(TestData.Random(3 * MiB, seed: 11)).Hex;
        var get = await CliAsync(["-n", "acme", "blob", "get", digest, "-o", Path.Combine(WorkDirectory, "copy.bin")], every: TimeSpan.Zero);
        Assert.Equal(0, get.ExitCode);
        Assert.Contains($"downloading {digest[..12]}: 3.0 MiB in ", get.Error);

        var put = await CliAsync(["blob", "put", Path.Combine(dist, "big.bin")], every: TimeSpan.Zero);
        Assert.Contains("uploading: 3.0 MiB in ", put.Error);

        // A quick transfer in a log prints nothing; --quiet prints nothing however slow.
        Assert.Empty((await CliAsync(["pull", "acme/big@1.0.0", "-o", Path.Combine(WorkDirectory, "again")], every: TimeSpan.FromMinutes(1))).Error);
        var quiet = await CliAsync(["--quiet", "pull", "acme/big@1.0.0", "-o", Path.Combine(WorkDirectory, "quiet")], every: TimeSpan.Zero);
        Assert.Equal(0, quiet.ExitCode);
        Assert.Empty(quiet.Error);
    }

    [BackendFact]
    public async Task An_upload_interrupted_by_ctrl_c_resumes_on_the_next_run()
    {
        var dist = Directory.CreateDirectory(Path.Combine(WorkDirectory, "dist")).FullName;
        var content = TestData.Random(5 * MiB + 123, seed: 12);
        await File.WriteAllBytesAsync(Path.Combine(dist, "big.bin"), content);
        var uploads = Path.Combine(WorkDirectory, "local", "uploads");

        // Ctrl-C once the server holds the first part.
        using var interrupt = new CancellationTokenSource();
        var first = await CliAsync(["push", "acme/big@1.0.0", dist], clients: SmallParts(afterFirstPart: interrupt), cancellation: interrupt.Token);
        Assert.Equal(ExitCodes.Interrupted, first.ExitCode);
        Assert.Equal("error: interrupted (partial downloads were removed; run the command again to resume an upload)", first.Error.Trim());
        Assert.Single(Directory.GetFiles(uploads, "*.json")); // the session, kept to resume
        using var client = new CacheClient(new CacheClientOptions { Server = Server.BaseAddress, Namespace = "acme" });
        Assert.Null(await client.GetVersionAsync("big", "1.0.0"));

        var second = await CliAsync(["push", "acme/big@1.0.0", dist], clients: SmallParts(afterFirstPart: null));
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Contains($"resumed the interrupted upload of {Path.Combine(dist, "big.bin")}: 1.0 MiB of 5.0 MiB were already on the server", second.Error);
        Assert.Empty(Directory.GetFiles(uploads, "*.json"));
        var copy = Path.Combine(WorkDirectory, "copy.bin");
        Assert.True(await client.DownloadBlobAsync(TestData.Digest(content), copy));
        Assert.Equal(content, await File.ReadAllBytesAsync(copy));
        Assert.NotNull(await client.GetVersionAsync("big", "1.0.0"));
    }

    [Fact]
    public async Task A_download_interrupted_by_ctrl_c_leaves_no_partial_file()
    {
        var dist = Directory.CreateDirectory(Path.Combine(WorkDirectory, "dist")).FullName;
        for (var i = 0; i < 3; i++) await File.WriteAllBytesAsync(Path.Combine(dist, $"part{i}.bin"), TestData.Random(2 * MiB, seed: 20 + i));
        Assert.Equal(0, (await CliAsync(["push", "acme/parts@1.0.0", dist])).ExitCode);

        using var interrupt = new CancellationTokenSource();
        var target = Path.Combine(WorkDirectory, "pulled");
        var pull = await CliAsync(["pull", "acme/parts@1.0.0", "-o", target], clients: CancelOnFirstBlob(interrupt), cancellation: interrupt.Token);
        Assert.Equal(ExitCodes.Interrupted, pull.ExitCode);
        Assert.Empty(Directory.EnumerateFileSystemEntries(target, "*", SearchOption.AllDirectories));

        var blob = Path.Combine(WorkDirectory, "blob.bin");
        using var again = new CancellationTokenSource();
        var digest = TestData.Digest(TestData.Random(2 * MiB, seed: 20)).Hex;
        var get = await CliAsync(["-n", "acme", "blob", "get", digest, "-o", blob], clients: CancelOnFirstBlob(again), cancellation: again.Token);
        Assert.Equal(ExitCodes.Interrupted, get.ExitCode);
        Assert.Empty(Directory.EnumerateFiles(WorkDirectory, "*blob.bin*"));
    }

    [Fact]
    public async Task Ctrl_c_stops_a_running_step_and_the_command_exits_130()
    {
        var workspace = Directory.CreateDirectory(Path.Combine(WorkDirectory, "workspace")).FullName;
        var started = Path.Combine(workspace, "step.pid");
        // As a foreground command in a terminal: SIGINT handled by default, even when this test runs
        // under something that ignores it (a background job, nohup), which the CLI would inherit.
        using var cache = Processes.Start("env", ["--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "cache.dll"), "exec", "--local-only", "--local-cache", Path.Combine(WorkDirectory, "local"),
            "--root", workspace, "--", "sh", "-c", "echo $$ > step.pid.tmp && mv step.pid.tmp step.pid && exec sleep 60"], workspace, null, out var output);
        var waited = Stopwatch.StartNew();
        while (!File.Exists(started) && waited.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(50);
        var step = int.Parse((await File.ReadAllTextAsync(started)).Trim());

        await Processes.RunAsync("kill", ["-INT", cache.Id.ToString()]); // what Ctrl-C sends
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await cache.WaitForExitAsync(timeout.Token);
        Assert.Equal(ExitCodes.Interrupted, cache.ExitCode);
        Assert.Contains("error: interrupted", output.ToString());
        for (var i = 0; i < 50 && Directory.Exists($"/proc/{step}"); i++) await Task.Delay(100);
        Assert.False(Directory.Exists($"/proc/{step}"), "the step outlived cache exec");
    }

    private Task<(int ExitCode, string Output, string Error)> CliAsync(string[] args, TimeSpan? every = null, Func<CacheClientOptions, CacheClient>? clients = null,
        CancellationToken cancellation = default) =>
        CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "--local-cache", Path.Combine(WorkDirectory, "local"), .. args],
            host => host with { ProgressInterval = every ?? TimeSpan.FromHours(1), CreateClient = clients ?? host.CreateClient }, cancellation);

    // Files over 1 MiB go up in 1 MiB parts, one at a time; optionally "Ctrl-C" once the server holds the first.
    private Func<CacheClientOptions, CacheClient> SmallParts(CancellationTokenSource? afterFirstPart) => options =>
        ClientWith(options with { ResumableUploadThreshold = MiB, UploadPartSize = MiB, Parallelism = 1 },
            afterFirstPart is null ? null : new CancelAfter(afterFirstPart, request => request.Method == HttpMethod.Put && request.RequestUri!.AbsolutePath.Contains("/parts/")));

    // "Ctrl-C" as soon as the first blob's headers arrive: its body is then being written.
    private Func<CacheClientOptions, CacheClient> CancelOnFirstBlob(CancellationTokenSource interrupt) => options =>
        ClientWith(options with { Parallelism = 1 }, new CancelAfter(interrupt, request => request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath.Contains("/cas/")));

    private CacheClient ClientWith(CacheClientOptions options, DelegatingHandler? handler)
    {
        var services = new ServiceCollection();
        var http = services.AddCacheRegistryClient(options);
        if (handler is not null) http.AddHttpMessageHandler(() => handler);
        var provider = services.BuildServiceProvider();
        _clientServices.Add(provider);
        return provider.GetRequiredService<CacheClient>();
    }

    public override async Task DisposeAsync()
    {
        foreach (var provider in _clientServices) await provider.DisposeAsync();
        await base.DisposeAsync();
    }

    private sealed class CancelAfter(CancellationTokenSource interrupt, Func<HttpRequestMessage, bool> matches) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode && matches(request)) await interrupt.CancelAsync();
            return response;
        }
    }
}
