using System.Net;
using System.Net.Sockets;

namespace CacheRegistry.Tests.Infrastructure;

public static class Net
{
    /// <summary>A loopback port that was free a moment ago (for servers that cannot report the port they bound).</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
