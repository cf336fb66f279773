using System.Diagnostics;
using System.Text;

namespace CacheRegistry.Tests.Infrastructure;

/// <summary>
/// The server as its own process (the built CacheRegistry.Server.dll), for tests that kill it the way a
/// crash does or watch it exit. Settings become environment variables; it listens on a free loopback port.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private ServerProcess(Process process, StringBuilder output, int port)
    {
        _process = process;
        _output = output;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri BaseAddress { get; }

    /// <summary>What the process printed so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <param name="shellPrelude">Shell commands run first (the server is then exec'd), e.g. mounting a small disk.</param>
    /// <param name="inOwnMountNamespace">Run in a new user and mount namespace (for a prelude that mounts).</param>
    public static ServerProcess Start(IReadOnlyDictionary<string, string?> settings, string? shellPrelude = null, bool inOwnMountNamespace = false)
    {
        var port = Net.FreeLoopbackPort();
        var environment = settings.Where(s => s.Value is not null).ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value!);
        environment["Urls"] = $"http://127.0.0.1:{port}";
        environment.TryAdd("CacheRegistry__Grpc__Url", $"http://127.0.0.1:{Net.FreeLoopbackPort()}");
        var serverDll = typeof(CacheRegistry.Server.ServerHost).Assembly.Location;
        var directory = Path.GetDirectoryName(serverDll)!;
        Process process;
        StringBuilder output;
        if (shellPrelude is null && !inOwnMountNamespace)
        {
            process = Processes.Start("dotnet", [serverDll], directory, environment, out output);
        }
        else
        {
            var script = $"{shellPrelude ?? "true"} && exec dotnet '{serverDll}'";
            string[] command = inOwnMountNamespace ? ["--user", "--map-root-user", "--mount", "sh", "-c", script] : ["-c", script];
            process = Processes.Start(inOwnMountNamespace ? "unshare" : "sh", command, directory, environment, out output);
        }
        return new ServerProcess(process, output, port);
    }

    public async Task WaitUntilListeningAsync(TimeSpan? timeout = null) =>
        await Net.WaitForPortAsync(BaseAddress.Port, timeout ?? TimeSpan.FromSeconds(60), () => Output);

    /// <summary>Waits until /readyz answers 200; fails with what the server printed otherwise.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"the server exited with {_process.ExitCode}: {Output}");
            try
            {
                if ((await http.GetAsync("readyz")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the server was not ready after {timeout.TotalSeconds:0} s: {Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>SIGTERM, as a service manager stops it; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        using (var signal = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await signal.WaitForExitAsync();
        var exitCode = await WaitForExitAsync(timeout);
        await Task.Delay(200); // output arrives on other threads
        return exitCode;
    }

    /// <summary>SIGKILL: no shutdown, no cleanup, as a crash.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
