using CacheRegistry.Server.Background;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Dashboard.History;

/// <summary>Writes this replica's counted increases and recent misses every <see cref="HistoryOptions.FlushInterval"/>, and once more when stopping.</summary>
public sealed class HistoryFlushService(CounterHistory history, IOptions<DashboardOptions> options, ILogger<HistoryFlushService> logger) : PeriodicService(logger)
{
    protected override TimeSpan Interval => options.Value.History.FlushInterval;

    protected override bool RunsAtStart => false;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => history.FlushAsync(cancellationToken);

    protected override async Task OnStoppingAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await history.FlushAsync(timeout.Token);
        }
        catch (Exception e)
        {
            logger.LogWarning("Could not write the last minute of counters ({Error})", e.Message);
        }
    }
}

/// <summary>Downsamples and prunes the history every <see cref="HistoryOptions.MaintenanceInterval"/> (on one replica at a time).</summary>
public sealed class HistoryMaintenanceService(CounterHistory history, IOptions<DashboardOptions> options, TimeProvider clock, ILogger<HistoryMaintenanceService> logger)
    : PeriodicService(logger)
{
    protected override TimeSpan Interval => options.Value.History.MaintenanceInterval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => history.MaintainAsync(clock.GetUtcNow(), cancellationToken);
}
