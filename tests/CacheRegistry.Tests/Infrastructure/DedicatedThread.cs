namespace CacheRegistry.Tests.Infrastructure;

/// <summary>Loops that race each other in a test, each on a thread of its own.</summary>
public static class DedicatedThread
{
    /// <summary>Starts <paramref name="loop"/> at once: on a loaded machine the thread pool would start such loops one at a time, seconds apart.</summary>
    public static Task Run(Action loop) => Task.Factory.StartNew(loop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
