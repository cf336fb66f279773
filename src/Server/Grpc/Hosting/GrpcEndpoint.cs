using System.Net;
using CacheRegistry.Server.Configuration;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Grpc.Hosting;

/// <summary>
/// The plaintext gRPC endpoint (h2c with prior knowledge, what <c>grpc://</c> clients speak), at
/// <see cref="GrpcOptions.Url"/>; HTTPS endpoints serve gRPC as well (ALPN picks HTTP/2). Plaintext
/// HTTP/1.1 and HTTP/2 cannot share a port, so it has an endpoint of its own, declared to Kestrel just
/// before it binds. Kestrel binds either the <c>Urls</c> or the endpoints declared to it, never both, so
/// the <c>Urls</c> are declared here too, as Kestrel would have bound them (unless <c>Kestrel:Endpoints</c>
/// is configured, which replaces them, as it always did).
/// </summary>
public sealed class GrpcEndpoint(IOptions<GrpcOptions> options, IOptions<KestrelServerOptions> kestrel, IConfiguration configuration) : IStartupFilter
{
    private ListenOptions? _listener;

    /// <summary>Where plaintext gRPC listens once the server has started (the bound port when configured as 0); null when off.</summary>
    public Uri? Address => _listener?.IPEndPoint is { } endpoint ? new Uri($"http://{Format(endpoint)}") : null;

    // Startup filters run after the host has put the Urls into the server's addresses and before Kestrel binds.
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        Declare(app.ServerFeatures);
        next(app);
    };

    private void Declare(IFeatureCollection server)
    {
        var url = options.Value.Url;
        if (string.IsNullOrWhiteSpace(url)) return;
        var grpc = BindingAddress.Parse(url);
        if (grpc.Scheme != "http" || grpc.IsUnixPipe) throw new InvalidOperationException($"{GrpcOptions.Section}:Url must be an http:// address (plaintext HTTP/2); HTTPS endpoints serve gRPC already");

        var addresses = server.Get<IServerAddressesFeature>()?.Addresses;
        var urls = addresses?.ToList() ?? [];
        addresses?.Clear();
        if (!configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            foreach (var address in urls.Select(BindingAddress.Parse))
            {
                Listen(kestrel.Value, address, listen =>
                {
                    if (address.Scheme == "https") listen.UseHttps();
                });
            }
        }
        Listen(kestrel.Value, grpc, listen =>
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
