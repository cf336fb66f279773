using CacheRegistry.Server.Background;
using CacheRegistry.Server.Configuration;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Gc;

/// <summary>Runs garbage collection passes on schedule (the lease keeps it to one replica at a time).</summary>
public sealed class GcService(GarbageCollector collector, IOptions<GcOptions> options, ILogger<GcService> logger) : PeriodicService(logger)
{
    protected override TimeSpan Interval => options.Value.Interval;

    // A pass lists all of storage; replicas starting together need not each do one at once (orphans wait out a grace period anyway).
    protected override bool RunsAtStart => false;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => collector.RunPassAsync(cancellationToken);
}
