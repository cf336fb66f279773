using System.Diagnostics;
using System.Net;
using CacheRegistry.Server.Hosting;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Hosting;

/// <summary>
/// The server as a newcomer meets it: --help and --version without starting, every bad setting refused
/// at start with one line naming it, the value and what is allowed, and a start-up log that says what
/// it runs on.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class StartupTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    [Theory]
    [InlineData("CacheRegistry:Gc:LowWaterRatio", "5", "CacheRegistry:Gc:LowWaterRatio is 5; it must be more than 0 and at most 1")]
    [InlineData("CacheRegistry:Gc:Interval", "-00:01:00", "CacheRegistry:Gc:Interval is -00:01:00; it must be a positive time")]
    [InlineData("CacheRegistry:Gc:Interval", "soon", "CacheRegistry:Gc:Interval is 'soon'; it must be a time like 00:05:00")]
    [InlineData("CacheRegistry:Gc:BatchSize", "0", "CacheRegistry:Gc:BatchSize is 0; it must be at least 1")]
    [InlineData("CacheRegistry:Gc:Namespaces:-bad:MaxBytes", "1GiB", "CacheRegistry:Gc:Namespaces:-bad names no valid namespace")]
    [InlineData("CacheRegistry:Gc:Namespaces:ci:MaxAge", "-1.00:00:00", "CacheRegistry:Gc:Namespaces:ci:MaxAge is -1.00:00:00; it must be a positive time")]
    [InlineData("CacheRegistry:Limits:MaxBlobBytes", "12 parsecs", "CacheRegistry:Limits:MaxBlobBytes is '12 parsecs'; it must be a size like 64GiB")]
    [InlineData("CacheRegistry:Limits:MaxFindMissingDigests", "0", "CacheRegistry:Limits:MaxFindMissingDigests is 0; it must be at least 1 and at most 1000000")]
    [InlineData("CacheRegistry:Compression:Level", "40", "CacheRegistry:Compression:Level is 40; it must be at least -7 and at most 22")]
    [InlineData("CacheRegistry:AccessTracking:FlushInterval", "00:00:00", "CacheRegistry:AccessTracking:FlushInterval is 00:00:00; it must be a positive time")]
    [InlineData("CacheRegistry:Database:Provider", "Oracle", "CacheRegistry:Database:Provider is 'Oracle'; it must be one of Sqlite, PostgreSQL")]
    [InlineData("CacheRegistry:Database:Provider", "PostgreSQL", "CacheRegistry:Database:ConnectionString must be set when the provider is PostgreSQL")]
    [InlineData("CacheRegistry:Storage:Provider", "S3", "CacheRegistry:Storage:S3:Bucket must be set to use S3 storage")]
    [InlineData("CacheRegistry:Auth:Enabled", "true", "CacheRegistry:Auth:SigningKey must be at least 32 bytes when CacheRegistry:Auth:Enabled is true")]
    [InlineData("CacheRegistry:Auth:AnonymousRead:0", "team/*", "CacheRegistry:Auth:AnonymousRead:0 is 'team/*'; it must be a namespace pattern")]
    [InlineData("CacheRegistry:RateLimit:Burst", "0", "CacheRegistry:RateLimit:Burst is 0; it must be at least 1")]
    [InlineData("CacheRegistry:Telemetry:OtlpEndpoint", "collector:4318", "CacheRegistry:Telemetry:OtlpEndpoint is 'collector:4318'; it must be an http:// or https:// URL")]
    public async Task A_bad_setting_stops_the_server_with_one_line_naming_it(string key, string value, string expected)
    {
        await Server.DisposeAsync();
        var settings = new Dictionary<string, string?>(Settings) { [key] = value };
        var failure = await Record.ExceptionAsync(async () => Server = await TestServer.StartAsync(settings));
        Assert.NotNull(failure);
        var lines = StartupFailure.Describe(failure!);
        Assert.True(lines is not null, $"not described for a person: {failure}");
        Assert.Contains(lines!, line => line.StartsWith(expected, StringComparison.Ordinal));
        Assert.All(lines!, line => Assert.DoesNotContain('\n', line));
        Server = await TestServer.StartAsync(Settings); // for the base class to stop
    }

    [Fact]
    public async Task The_S3_part_size_must_be_at_least_5_MiB()
    {
        await Server.DisposeAsync();
        var settings = new Dictionary<string, string?>(Settings)
        {
            ["CacheRegistry:Storage:Provider"] = "S3", ["CacheRegistry:Storage:S3:Bucket"] = "b", ["CacheRegistry:Storage:S3:PartSizeBytes"] = "4MiB",
        };
        var lines = StartupFailure.Describe((await Record.ExceptionAsync(() => TestServer.StartAsync(settings)))!);
        Assert.Contains("CacheRegistry:Storage:S3:PartSizeBytes is 4 MiB; it must be at least 5 MiB", lines!);
        Server = await TestServer.StartAsync(Settings);
    }

    [Fact]
    public async Task The_server_process_prints_help_and_version_without_listening_and_refuses_a_bad_setting_in_one_line()
    {
        var dll = typeof(CacheRegistry.Server.ServerHost).Assembly.Location;
        var help = await RunAsync(dll, ["--help"], new Dictionary<string, string>());
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("CacheRegistry:Gc:LowWaterRatio  [env: CacheRegistry__Gc__LowWaterRatio]  default: 0.8", help.Output);
        Assert.Contains("CacheRegistry:Limits:MaxBlobBytes  [env: CacheRegistry__Limits__MaxBlobBytes]  default: 64 GiB", help.Output);
        Assert.DoesNotContain("Now listening", help.Output);

        var version = await RunAsync(dll, ["--version"], new Dictionary<string, string>());
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^CacheRegistry server \S+ \(commit (?:[0-9a-f]{7,40}|unknown)\)$", version.Output.Trim());

        var bad = await RunAsync(dll, [], new Dictionary<string, string>
        {
            ["CacheRegistry__Gc__LowWaterRatio"] = "5", ["CacheRegistry__DataDirectory"] = Path.Combine(WorkDirectory, "bad"), ["Urls"] = "http://127.0.0.1:0",
        });
        Assert.Equal(1, bad.ExitCode);
        Assert.Equal("error: CacheRegistry:Gc:LowWaterRatio is 5; it must be more than 0 and at most 1", bad.Output.Trim());
    }

    [Fact]
    public async Task A_port_in_use_is_one_line_too()
    {
        var taken = Server.BaseAddress;
        var dll = typeof(CacheRegistry.Server.ServerHost).Assembly.Location;
        var result = await RunAsync(dll, [], new Dictionary<string, string>
        {
            ["Urls"] = taken.ToString().TrimEnd('/'), ["CacheRegistry__DataDirectory"] = Path.Combine(WorkDirectory, "second"),
        });
        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("address already in use", error);
        Assert.DoesNotContain("   at ", result.Output);
    }

    // An operator who deletes the data directory under a running server still sees a clean stop: one
    // warning per thing it could not do, no failed service's stack trace.
    [Fact]
    public async Task A_server_whose_data_directory_was_deleted_stops_with_warnings()
    {
        var data = Path.Combine(WorkDirectory, "deleted");
        await using var server = ServerProcess.Start(new Dictionary<string, string?> { ["CacheRegistry:DataDirectory"] = data });
        await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using (var http = new HttpClient { BaseAddress = server.BaseAddress })
        {
            Assert.True((await http.PutAsync("cache/0123abcd", new ByteArrayContent(TestData.Random(1_000)))).IsSuccessStatusCode);
        }
        Directory.Delete(data, recursive: true);

        Assert.Equal(0, await server.StopAsync(TimeSpan.FromSeconds(60)));
        Assert.DoesNotContain("   at ", server.Output);
        Assert.Contains("DurabilityFlushService could not finish while stopping", server.Output);
    }

    [Fact]
    public void The_start_up_log_names_the_backends_and_warns_when_storage_is_unbounded()
    {
        Assert.Contains(Server.Log, line => line.Contains("Storage is unbounded"));
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string dll, string[] arguments, IReadOnlyDictionary<string, string> environment)
    {
        using var process = Processes.Start("dotnet", [dll, .. arguments], Path.GetDirectoryName(dll), environment, out var output);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        // Output arrives on other threads; give them a moment after the exit.
        await Task.Delay(200);
        lock (output) return (process.ExitCode, output.ToString());
    }
}
