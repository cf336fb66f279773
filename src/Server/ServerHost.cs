using CacheRegistry.Server.Audit;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Storage;
using CacheRegistry.Server.Dashboard;
using CacheRegistry.Server.Hosting;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Metadata;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server;

/// <summary>Builds the server application; Program.cs and the tests both start it through here.</summary>
public static class ServerHost
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        // appsettings.json ships next to the binary, so the server reads it whatever the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Failed commands are the server's to report: an outage once (OutageMonitor), a bug with its request.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database", LogLevel.Critical);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Query", LogLevel.Critical);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Update", LogLevel.Critical);
        builder.Logging.AddFilter("Npgsql", LogLevel.Critical);
        // A start that fails is reported by Program in one line; the host would add its stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        // /readyz says why it is not ready; a probe every few seconds need not log it each time.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Critical);
        // A flood of refused requests with a slow stdout drops log lines rather than holding up the requests
        // (and the socket threads they run on) once the console's queue is full.
        if (builder.Configuration["Logging:Console:QueueFullMode"] is null)
        {
            builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(console => console.QueueFullMode = Microsoft.Extensions.Logging.Console.ConsoleLoggerQueueFullMode.DropWrite);
        }
        return builder;
    }

    /// <summary>Registers services from the builder's final configuration and maps every route.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        builder.Services.AddCacheRegistry(builder.Configuration);
        builder.Services.AddDashboard(builder.Configuration);
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, TransportMemoryPoolFactory>(); // Kestrel's connection buffers
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Blob size limits are enforced while streaming, per route; Kestrel's 30 MB default would refuse large blobs.
            kestrel.Limits.MaxRequestBodySize = null;
            // No "Server: Kestrel" on every answer: it tells a scanner what runs here, and is 17 bytes of a 1 KiB hit's headers.
            kestrel.AddServerHeader = false;
        });

        var app = builder.Build();
        app.UseMiddleware<Observability.RequestMetricsMiddleware>(); // outermost: sees every final status
        app.KeepOnlyCacheReadsOnSocketThreads();
        app.UseExceptionHandler();
        app.UseMiddleware<RequestScopeMiddleware>(); // the namespace and protocol, once, for everything below
        app.UseDashboardSessions(); // on dashboard pages, the session cookie's token is the bearer token
        app.UseCacheAuthentication();
        app.UseCacheRateLimiting();
        app.UseAuthorization();
        app.UseMiddleware<AuditMiddleware>();
        app.MapCacheRegistry();
        app.MapDashboard();
        return app;
    }

    /// <summary>
    /// Takes the data directory, prepares the database (unless turned off), checks that the database and
    /// the storage belong together, and starts serving.
    /// </summary>
    /// <exception cref="StartupException">The server cannot start as configured.</exception>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        var services = app.Services;
        // Every setting is checked before anything is touched (the host would check them only when it starts).
        services.GetRequiredService<IStartupValidator>().Validate();
        var database = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        services.GetRequiredService<DataDirectoryLock>().Acquire();
        if (database.MigrateOnStartup)
        {
            // The data directory lock makes the embedded database this server's alone.
            var exclusive = database.Provider == DatabaseProvider.Sqlite && string.IsNullOrEmpty(database.ConnectionString);
            await StartupProgress.WhileWaitingAsync(app.Logger, "applying database migrations (another server may hold the migration lock)",
                token => services.GetRequiredService<DatabaseMigrator>().MigrateAsync(exclusive, token), cancellationToken);
        }
        var leftovers = services.GetRequiredService<StagingArea>().RemoveLeftovers();
        if (leftovers > 0) app.Logger.LogInformation("Removed {Count} staged files left by a previous run", leftovers);
        await StartupProgress.WhileWaitingAsync(app.Logger, "checking that the database and the storage belong together (is the object store reachable?)",
            token => services.GetRequiredService<StorageBindingCheck>().VerifyAsync(token), cancellationToken);

        // Before serving: a server that shares its SQLite file makes the others stop trusting their presence filters.
        if (services.GetService<SqliteSharing>() is { } sharing) await sharing.JoinAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
        StartupReport.Log(app);
    }
}
