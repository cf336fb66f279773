using CacheRegistry.Server;
using CacheRegistry.Server.Grpc.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CacheRegistry.Tests.Infrastructure;

/// <summary>The real server, on Kestrel at a free loopback port, over a <see cref="TestBackend"/>.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, IReadOnlyDictionary<string, string?> settings, CapturedLog log)
    {
        _app = app;
        _log = log;
        Settings = settings;
        GrpcAddress = app.Services.GetRequiredService<GrpcEndpoint>().Address;
        BaseAddress = new Uri(app.Urls.Single(url => GrpcAddress is null || new Uri(url) != GrpcAddress).TrimEnd('/') + "/");
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
    }

    public Uri BaseAddress { get; }

    /// <summary>The plaintext gRPC (REAPI) endpoint, on its own free loopback port; null when a test turned it off.</summary>
    public Uri? GrpcAddress { get; }

    public HttpClient Http { get; }

    public IReadOnlyDictionary<string, string?> Settings { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The server's presence filter once it trusts it (loaded, on a database only this server writes to).</summary>
    public async Task<CacheRegistry.Server.Metadata.PresenceFilter> ActivePresenceFilterAsync()
    {
        var filter = Services.GetRequiredService<CacheRegistry.Server.Metadata.PresenceFilter>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!filter.IsActive)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the presence filter did not load within 30 s");
            await Task.Delay(50);
        }
        return filter;
    }

    /// <summary>Warnings and errors the server logged, one line each (message, then the exception type if any).</summary>
    public IReadOnlyList<string> Log => _log.Lines;

    private readonly CapturedLog _log;

    /// <param name="configure">Adds test services (e.g. EF Core interceptors) before the server's own.</param>
    public static async Task<TestServer> StartAsync(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var builder = ServerHost.CreateBuilder([]);
        // Free loopback ports: for HTTP always, for plaintext gRPC unless the test says otherwise.
        var configuration = new Dictionary<string, string?> { ["CacheRegistry:Grpc:Url"] = "http://127.0.0.1:0" };
        foreach (var (key, value) in settings) configuration[key] = value;
        configuration["Urls"] = "http://127.0.0.1:0";
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var log = new CapturedLog();
        builder.Logging.AddProvider(log);
        configure?.Invoke(builder.Services);
        var app = ServerHost.Build(builder);
        try
        {
            await ServerHost.StartAsync(app);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new TestServer(app, settings, log);
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

/// <summary>Keeps what a server logs at warning level and above, for tests that check what it said.</summary>
public sealed class CapturedLog : ILoggerProvider
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines) return _lines.ToList();
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = $"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : $" [{exception.GetType().Name}]")}";
            lock (log._lines) log._lines.Add(line);
        }
    }
}
