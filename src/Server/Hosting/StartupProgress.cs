namespace CacheRegistry.Server.Hosting;

/// <summary>Says in the log, every few seconds, what a start-up step is still waiting for.</summary>
public static class StartupProgress
{
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(5);

    public static async Task WhileWaitingAsync(ILogger logger, string what, Func<CancellationToken, Task> step, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var work = step(cancellationToken);
        while (await Task.WhenAny(work, Task.Delay(ReportEvery, cancellationToken)) != work)
        {
            logger.LogWarning("Still {What} after {Seconds:0} s", what, (DateTimeOffset.UtcNow - started).TotalSeconds);
        }
        await work;
    }
}
