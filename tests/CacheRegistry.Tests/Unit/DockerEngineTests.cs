using System.Diagnostics;
using System.Net.Sockets;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CacheRegistry.Tests.Unit;

/// <summary>The probe that decides between Testcontainers and the machine's PostgreSQL: right, and never slow.</summary>
public sealed class DockerEngineTests : IDisposable
{
    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(500);

    // What a loaded machine may add to a probe that keeps its budget (CI's first seconds: 1.7 s seen);
    // a probe that ignored it would wait for HttpClient's 100 s.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(10);
    private readonly string _directory = Directory.CreateTempSubdirectory("cacheregistry-docker-").FullName;

    [Fact]
    public async Task Finds_an_engine_that_answers_its_ping()
    {
        var socket = Path.Combine(_directory, "docker.sock");
        await using var engine = await StartFakeEngineAsync(socket);

        var found = await DockerEngine.FindAsync(null, [Path.Combine(_directory, "absent.sock"), socket], TimeSpan.FromSeconds(10));
        Assert.Equal(new Uri("unix://" + socket), found);
    }

    [Fact]
    public async Task No_socket_and_no_DOCKER_HOST_means_no_engine_at_once()
    {
        // With a long budget: answering well within it shows the probe did not wait for it.
        var budget = TimeSpan.FromSeconds(20);
        var clock = Stopwatch.StartNew();
        Assert.Null(await DockerEngine.FindAsync(null, [Path.Combine(_directory, "docker.sock")], budget));
        Assert.True(clock.Elapsed < budget / 2, $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_socket_that_never_answers_costs_no_more_than_the_budget()
    {
        var path = Path.Combine(_directory, "silent.sock");
        using var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        silent.Bind(new UnixDomainSocketEndPoint(path));
        silent.Listen(); // accepts connections into the backlog, never reads or answers

        var clock = Stopwatch.StartNew();
        Assert.Null(await DockerEngine.FindAsync(null, [path], Budget));
        Assert.True(clock.Elapsed < Budget + Slack, $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task DOCKER_HOST_is_the_only_candidate_when_set()
    {
        var socket = Path.Combine(_directory, "docker.sock");
        await using var engine = await StartFakeEngineAsync(socket);

        var clock = Stopwatch.StartNew();
        Assert.Null(await DockerEngine.FindAsync($"tcp://127.0.0.1:{Net.FreeLoopbackPort()}", [socket], Budget));
        Assert.True(clock.Elapsed < Budget + Slack, $"took {clock.Elapsed}");
    }

    /// <summary>Answers Docker's ping on a unix socket, as an engine would.</summary>
    private static async Task<WebApplication> StartFakeEngineAsync(string socket)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(socket));
        builder.Logging.ClearProviders();
        var engine = builder.Build();
        engine.MapGet("/_ping", () => Results.Text("OK"));
        await engine.StartAsync();
        return engine;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
