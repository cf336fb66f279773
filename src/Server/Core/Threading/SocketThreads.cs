using System.Runtime.CompilerServices;

namespace CacheRegistry.Server.Core.Threading;

/// <summary>
/// On the embedded default, cache reads run on the sockets' own threads (<c>Hosting/SocketThreadHosting</c>),
/// each serving many connections, and every socket completion continues there: a call that can wait (a
/// SQLite command, which runs synchronously and may wait for the write lock; creating, closing, renaming
/// or deleting a file) must first await <see cref="Leave"/>, immediately before it, since any await on
/// socket I/O may bring the code back to a socket thread.
/// </summary>
public static class SocketThreads
{
    /// <summary>Continues on the thread pool when on a socket thread (any thread outside the pool), at once otherwise.</summary>
    public static ThreadPoolHop Leave() => default;

    // On Linux the pool's threads are the only ones that run continuations besides the socket threads
    // (and a process's main thread, for which a hop is harmless).
    public static bool OnSocketThread => !Thread.CurrentThread.IsThreadPoolThread;

    /// <summary>The awaitable of <see cref="Leave"/>.</summary>
    public readonly struct ThreadPoolHop : ICriticalNotifyCompletion
    {
        public ThreadPoolHop GetAwaiter() => this;

        public bool IsCompleted => !OnSocketThread;

        public void GetResult()
        {
        }

        public void OnCompleted(Action continuation) => ThreadPool.QueueUserWorkItem(static run => run(), continuation, preferLocal: false);

        public void UnsafeOnCompleted(Action continuation) => ThreadPool.UnsafeQueueUserWorkItem(static run => run(), continuation, preferLocal: false);
    }
}
