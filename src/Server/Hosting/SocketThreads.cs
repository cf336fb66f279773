using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace CacheRegistry.Server.Hosting;

/// <summary>
/// Reads (GET and HEAD: hits and misses) run on the threads that receive them (.NET's socket event loops),
/// as in nginx's workers, instead of being handed to the thread pool twice on their way in. Measured on 2 cores (wrk -t2 -c32,
/// 3 alternated runs): GET miss 61k → 80k req/s (22 → 16.5 µs of server CPU each), GET hit 1 KiB 51k →
/// 64k, p99 2.5 → 3.7 ms and 2.7 → 5.2 ms. With one thread per core (.NET's default for this) a hit's p99
/// was 14–22 ms: a busy or preempted thread holds up every connection it serves, so there are four per core.
/// Nothing that can wait (a database command, which SQLite runs synchronously and which may wait for the
/// write lock; creating or renaming a file) may run on them: such a call first awaits <see cref="Leave"/>.
/// What stays on them reads memory or the page cache (a small blob's one <c>pread</c>).
/// </summary>
public static class SocketThreads
{
    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    private const string ThreadCountVariable = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    /// <summary>
    /// Runs requests on <paramref name="threads"/> socket threads. Process-wide (.NET reads it when its first
    /// socket starts), so it is the entry point's choice: a test process that hosts servers keeps .NET's default.
    /// </summary>
    public static void RunRequestsOnThem(IWebHostBuilder host, int threads)
    {
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null) Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        if (Environment.GetEnvironmentVariable(ThreadCountVariable) is null) Environment.SetEnvironmentVariable(ThreadCountVariable, threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        host.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
    }

    /// <summary>
    /// Requests other than GET and HEAD (uploads, deletions, queries with a body) continue on the thread pool:
    /// they wait on disks and the database anyway, and on the socket threads small uploads took a tenth more
    /// CPU each (PUT 1 KiB, 7 alternated runs).
    /// </summary>
    public static IApplicationBuilder UseThreadPoolForWrites(this IApplicationBuilder app) => app.Use(static async (context, next) =>
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)) await Leave();
        await next(context);
    });

    /// <summary>Awaited before a call that can block: continues on the thread pool if on a socket thread, at once otherwise.</summary>
    public static ThreadPoolHop Leave() => default;

    /// <summary>The awaitable of <see cref="Leave"/>. Only socket threads (and a process's main thread) are outside the thread pool.</summary>
    public readonly struct ThreadPoolHop : ICriticalNotifyCompletion
    {
        public ThreadPoolHop GetAwaiter() => this;

        public bool IsCompleted => Thread.CurrentThread.IsThreadPoolThread;

        public void GetResult()
        {
        }

        public void OnCompleted(Action continuation) => ThreadPool.QueueUserWorkItem(static run => run(), continuation, preferLocal: false);

        public void UnsafeOnCompleted(Action continuation) => ThreadPool.UnsafeQueueUserWorkItem(static run => run(), continuation, preferLocal: false);
    }
}
