using System.Net;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Storage;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Hosting;

/// <summary>What the start-up log tells an operator: where the server listens, on what, with what protection and bounds.</summary>
public static class StartupReport
{
    public static void Log(WebApplication app)
    {
        var services = app.Services;
        var registry = services.GetRequiredService<IOptions<CacheRegistryOptions>>().Value;
        var database = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var auth = services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var gc = services.GetRequiredService<IOptions<GcOptions>>().Value;
        var store = services.GetRequiredService<IBlobStore>();
        var logger = app.Logger;

        logger.LogInformation("CacheRegistry serving on {Urls}; metadata in {Database}; blobs in {Storage}; data directory {DataDirectory}",
            string.Join(", ", app.Urls), database.Provider, store.Description, registry.DataDirectoryFullPath);
        if (auth.Enabled)
        {
            logger.LogInformation("Auth is on: every request needs a token{Anonymous}",
                auth.AnonymousRead.Count == 0 ? "" : $" (anyone may read {string.Join(", ", auth.AnonymousRead)})");
        }
        else if (app.Urls.Any(url => !IsLoopback(url)))
        {
            logger.LogWarning("AUTH IS OFF on {Urls}, which other machines can reach: anyone may read, write and delete everything. " +
                "Turn it on with CacheRegistry:Auth:Enabled=true and a CacheRegistry:Auth:SigningKey", string.Join(", ", app.Urls.Where(url => !IsLoopback(url))));
        }
        else
        {
            logger.LogInformation("Auth is off (loopback only): every local request may do everything");
        }
        var quotas = gc.Namespaces.Count(n => n.Value.MaxBytes.Bytes > 0);
        if (gc.GlobalMaxBytes.Bytes > 0 || quotas > 0)
        {
            logger.LogInformation("Storage is bounded: {Global} in all, {Quotas} namespace quotas; garbage collection every {Interval}",
                gc.GlobalMaxBytes.Bytes > 0 ? gc.GlobalMaxBytes.ToString() : "no global bound", quotas, gc.Interval);
        }
        else
        {
            logger.LogWarning("Storage is unbounded: nothing is evicted until the disk or bucket is full. Set CacheRegistry:Gc:GlobalMaxBytes (e.g. 500GiB)");
        }
    }

    private static bool IsLoopback(string url) =>
        Uri.TryCreate(url.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"), UriKind.Absolute, out var uri)
        && (uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address)));
}
