using System.Net.Sockets;

namespace CacheRegistry.Tests.Infrastructure;

/// <summary>
/// Finds a Docker engine that answers, without ever waiting long: <c>DOCKER_HOST</c> when it is set,
/// else the usual socket paths (system, rootless, Docker Desktop); each candidate is asked
/// <c>GET /_ping</c>, all within one short time budget. A socket file with no engine behind it, or an
/// engine that does not answer, counts as none.
/// </summary>
public static class DockerEngine
{
    public static Task<Uri?> FindAsync(TimeSpan budget) =>
        FindAsync(Environment.GetEnvironmentVariable("DOCKER_HOST"), DefaultSocketPaths(), budget);

    /// <param name="dockerHost"><c>unix:///path</c> or <c>tcp://host:port</c> (plain HTTP; an engine behind TLS is not probed).</param>
    /// <param name="socketPaths">Where to look when <paramref name="dockerHost"/> is not set.</param>
    /// <param name="budget">The most the whole search may take.</param>
    public static async Task<Uri?> FindAsync(string? dockerHost, IEnumerable<string> socketPaths, TimeSpan budget)
    {
        using var deadline = new CancellationTokenSource(budget);
        foreach (var endpoint in Candidates(dockerHost, socketPaths))
        {
            if (deadline.IsCancellationRequested) break;
            if (await AnswersPingAsync(endpoint, deadline.Token)) return endpoint;
        }
        return null;
    }

    private static IEnumerable<string> DefaultSocketPaths()
    {
        yield return "/var/run/docker.sock";
        if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime) yield return Path.Combine(runtime, "docker.sock");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        yield return Path.Combine(home, ".docker", "run", "docker.sock");
        yield return Path.Combine(home, ".docker", "desktop", "docker.sock");
    }

    private static IEnumerable<Uri> Candidates(string? dockerHost, IEnumerable<string> socketPaths)
    {
        if (!string.IsNullOrEmpty(dockerHost))
        {
            if (Uri.TryCreate(dockerHost, UriKind.Absolute, out var configured)) yield return configured;
            yield break; // an explicit DOCKER_HOST is the only engine to use
        }
        foreach (var path in socketPaths.Where(File.Exists)) yield return new Uri("unix://" + path);
    }

    private static async Task<bool> AnswersPingAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler();
        Uri ping;
        switch (endpoint.Scheme)
        {
            case "unix":
                handler.ConnectCallback = (_, token) => ConnectUnixAsync(endpoint.AbsolutePath, token);
                ping = new Uri("http://docker/_ping");
                break;
            case "tcp":
                ping = new Uri($"http://{endpoint.Authority}/_ping");
                break;
            default:
                return false; // npipe, ssh: not on our machines
        }

        using var http = new HttpClient(handler, disposeHandler: false);
        try
        {
            using var response = await http.GetAsync(ping, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or SocketException or IOException)
        {
            return false;
        }
    }

    private static async ValueTask<Stream> ConnectUnixAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
