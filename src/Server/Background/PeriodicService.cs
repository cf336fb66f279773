namespace CacheRegistry.Server.Background;

/// <summary>
/// Runs a piece of work every <see cref="Interval"/> (and at start, unless <see cref="RunsAtStart"/> is
/// false) until the host stops. The first run goes beside the server's start, never in front of it;
/// what must be done before the server serves belongs in <see cref="PrepareAsync"/>. A failed run is retried on schedule; a run of failures (a database that
/// is down) is logged once when it starts and once when it ends, not on every try.
/// </summary>
public abstract class PeriodicService(ILogger logger) : BackgroundService
{
    private DateTimeOffset? _failingSince;

    protected abstract TimeSpan Interval { get; }

    protected virtual bool RunsAtStart => true;

    /// <summary>False for services that the configuration turns off.</summary>
    protected virtual bool IsEnabled => true;

    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    /// <summary>Work the host's start waits for, before the server serves (the periodic runs begin after it).</summary>
    protected virtual Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (IsEnabled) await PrepareAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Work to finish while the host shuts down (after the last run).</summary>
    protected virtual Task OnStoppingAsync() => Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!IsEnabled) return;
        await Task.Yield(); // BackgroundService runs this until its first yield inside the host's start
        using var timer = new PeriodicTimer(Interval);
        try
        {
            if (!RunsAtStart && !await timer.WaitForNextTickAsync(stoppingToken)) return;
            do
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                    if (_failingSince is { } since)
                    {
                        logger.LogWarning("{Service} works again after {Seconds:0} s", GetType().Name, (DateTimeOffset.UtcNow - since).TotalSeconds);
                        _failingSince = null;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    if (_failingSince is null)
                    {
                        _failingSince = DateTimeOffset.UtcNow;
                        logger.LogWarning("{Service} failed ({Error}: {Message}); it is tried again every {Interval} until it works",
                            GetType().Name, e.GetType().Name, e.Message, Interval);
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
        try
        {
            await OnStoppingAsync();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The host is stopping anyway: one line, not a failed service's stack trace (e.g. the data directory was deleted).
            logger.LogWarning("{Service} could not finish while stopping ({Error}: {Message})", GetType().Name, e.GetType().Name, e.Message);
        }
    }
}
