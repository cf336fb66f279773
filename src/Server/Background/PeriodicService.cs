namespace CacheRegistry.Server.Background;

/// <summary>
/// Runs a piece of work every <see cref="Interval"/> (and at start, unless <see cref="RunsAtStart"/> is
/// false) until the host stops. A failed run is logged and the next one happens on schedule.
/// </summary>
public abstract class PeriodicService(ILogger logger) : BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    protected virtual bool RunsAtStart => true;

    /// <summary>False for services that the configuration turns off.</summary>
    protected virtual bool IsEnabled => true;

    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    /// <summary>Work to finish while the host shuts down (after the last run).</summary>
    protected virtual Task OnStoppingAsync() => Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!IsEnabled) return;
        using var timer = new PeriodicTimer(Interval);
        try
        {
            if (!RunsAtStart && !await timer.WaitForNextTickAsync(stoppingToken)) return;
            do
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "{Service} failed; it runs again in {Interval}", GetType().Name, Interval);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
        await OnStoppingAsync();
    }
}
