using CacheRegistry.Server.Background;
using CacheRegistry.Server.Core.Storage;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Hosting;

/// <summary>While a dependency is down, checks it every two seconds, so its recovery is noticed and logged once.</summary>
public sealed class OutageProbeService(OutageMonitor outages, MetadataHealth database, IBlobStore store, ILogger<OutageProbeService> logger) : PeriodicService(logger)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(2);

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        if (outages.IsDown("database") && await Succeeds(() => database.CanConnectAsync(cancellationToken))) outages.Recovered("database");
        if (outages.IsDown("object store") && await Succeeds(async () => { await store.CheckHealthAsync(cancellationToken); return true; })) outages.Recovered("object store");
        if (outages.IsDown("disk")) outages.Recovered("disk"); // the next write tells whether there is room again
    }

    private static async Task<bool> Succeeds(Func<Task<bool>> check)
    {
        try
        {
            return await check();
        }
        catch (Exception)
        {
            return false;
        }
    }
}
