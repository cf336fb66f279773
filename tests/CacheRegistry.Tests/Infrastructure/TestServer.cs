using CacheRegistry.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace CacheRegistry.Tests.Infrastructure;

/// <summary>The real server, on Kestrel at a free loopback port, over a <see cref="TestBackend"/>.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, IReadOnlyDictionary<string, string?> settings)
    {
        _app = app;
        Settings = settings;
        BaseAddress = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public IReadOnlyDictionary<string, string?> Settings { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TestServer> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = ServerHost.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings) { ["Urls"] = "http://127.0.0.1:0" });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = ServerHost.Build(builder);
        await ServerHost.StartAsync(app);
        return new TestServer(app, settings);
    }

    /// <summary>Stops this server and starts a new one over the same store.</summary>
    public async Task<TestServer> RestartAsync()
    {
        await DisposeAsync();
        return await StartAsync(Settings);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
