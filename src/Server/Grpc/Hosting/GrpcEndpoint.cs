using System.Net;
using CacheRegistry.Server.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Grpc.Hosting;

/// <summary>
/// The plaintext gRPC endpoint (h2c with prior knowledge, what <c>grpc://</c> clients speak), at
/// <see cref="GrpcOptions.Url"/>. Plaintext HTTP/1.1 and HTTP/2 cannot share a port, so it has its own;
/// HTTPS endpoints serve gRPC as well (ALPN picks HTTP/2). Kestrel ignores <c>Urls</c> once an endpoint
/// is declared in code, so this declares the <c>Urls</c> addresses too, as Kestrel would have bound
/// them (unless <c>Kestrel:Endpoints</c> is configured, which replaces <c>Urls</c> anyway).
/// </summary>
public sealed class GrpcEndpoint(IConfiguration configuration, IOptions<GrpcOptions> options) : IConfigureOptions<KestrelServerOptions>
{
    private ListenOptions? _listener;

    /// <summary>Where plaintext gRPC listens once the server has started (the bound port when configured as 0); null when off.</summary>
    public Uri? Address => _listener?.IPEndPoint is { } endpoint ? new Uri($"http://{Format(endpoint)}") : null;

    public void Configure(KestrelServerOptions kestrel)
    {
        if (string.IsNullOrWhiteSpace(options.Value.Url)) return;
        var grpc = BindingAddress.Parse(options.Value.Url);
        if (grpc.Scheme != "http" || grpc.IsUnixPipe) throw new InvalidOperationException($"{GrpcOptions.Section}:Url must be an http:// address (plaintext HTTP/2); HTTPS endpoints serve gRPC already");
        if (!configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            foreach (var url in (configuration["urls"] ?? "http://localhost:5000").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                Listen(kestrel, BindingAddress.Parse(url), listen =>
                {
                    if (url.StartsWith("https:", StringComparison.OrdinalIgnoreCase)) listen.UseHttps();
                });
            }
        }
        Listen(kestrel, grpc, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            _listener = listen;
        });
    }

    // The way Kestrel binds a URL: localhost on both loopbacks, an IP address as given, anything else on every address.
    private static void Listen(KestrelServerOptions kestrel, BindingAddress address, Action<ListenOptions> configure)
    {
        if (address.IsUnixPipe) kestrel.ListenUnixSocket(address.UnixPipePath, configure);
        else if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase)) kestrel.ListenLocalhost(address.Port, configure);
        else if (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip)) kestrel.Listen(ip, address.Port, configure);
        else kestrel.ListenAnyIP(address.Port, configure);
    }

    private static string Format(IPEndPoint endpoint) =>
        endpoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]:{endpoint.Port}" : endpoint.ToString();
}
