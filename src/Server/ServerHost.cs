using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server;

/// <summary>Builds the server application; Program.cs and the tests both start it through here.</summary>
public static class ServerHost
{
    public static WebApplicationBuilder CreateBuilder(string[] args) =>
        // appsettings.json ships next to the binary, so the server reads it whatever the working directory.
        WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

    /// <summary>Registers services from the builder's final configuration and maps every route.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        builder.Services.AddCacheRegistry(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Blob size limits are enforced while streaming, per route; Kestrel's 30 MB default would refuse large blobs.
            kestrel.Limits.MaxRequestBodySize = null;
        });

        var app = builder.Build();
        // Listening starts now, so /metrics counts from the first request, not from the first scrape.
        app.Services.GetRequiredService<Observability.PrometheusExporter>();
        app.UseMiddleware<Observability.RequestMetricsMiddleware>(); // outermost: sees every final status
        app.UseExceptionHandler();
        app.UseAuthentication();
        app.UseCacheRateLimiting();
        app.UseMiddleware<AuditMiddleware>();
        app.MapCacheRegistry();
        return app;
    }

    /// <summary>Prepares the database (unless turned off) and starts serving.</summary>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
        {
            await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
        }
        await app.StartAsync(cancellationToken);
        var registry = app.Services.GetRequiredService<IOptions<CacheRegistryOptions>>().Value;
        var database = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var storage = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
        app.Logger.LogInformation("CacheRegistry serving on {Urls} with {Database} metadata and {Storage} storage; data directory {DataDirectory}",
            string.Join(", ", app.Urls), database.Provider, storage.Provider, registry.DataDirectoryFullPath);
    }
}
