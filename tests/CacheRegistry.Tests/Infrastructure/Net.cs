using System.Net;
using System.Net.Sockets;

namespace CacheRegistry.Tests.Infrastructure;

public static class Net
{
    private const int LowestPort = 10_000;
    private static readonly int EphemeralPortsStart = ReadEphemeralPortsStart();
    private static int _nextOffset = Random.Shared.Next(EphemeralPortsStart - LowestPort);

    /// <summary>
    /// A loopback port that was free a moment ago, for servers that cannot report the port they bound.
    /// It comes from below the kernel's ephemeral range, and this process hands each one out once: a port
    /// from the ephemeral range (binding port 0) could be taken by any test's outgoing connection before the
    /// server binds it ("address already in use").
    /// </summary>
    public static int FreeLoopbackPort()
    {
        var span = EphemeralPortsStart - LowestPort;
        for (var attempt = 0; attempt < span; attempt++)
        {
            var port = LowestPort + (int)((uint)Interlocked.Increment(ref _nextOffset) % (uint)span);
            if (IsFree(port)) return port;
        }
        throw new InvalidOperationException($"no free loopback port between {LowestPort} and {EphemeralPortsStart}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int ReadEphemeralPortsStart()
    {
        const int linuxDefault = 32_768;
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return range.Length > 0 && int.TryParse(range[0], out var start) && start > LowestPort + 1_000 ? start : linuxDefault;
        }
        catch (IOException)
        {
            return linuxDefault;
        }
    }

    public static async Task WaitForPortAsync(int port, TimeSpan timeout, Func<string> describeFailure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                throw new TimeoutException($"nothing listened on 127.0.0.1:{port} within {timeout}: {describeFailure()}");
            }
        }
    }
}
