using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Threading;
using CacheRegistry.Server.Http;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace CacheRegistry.Server.Hosting;

/// <summary>
/// Cache reads (GET and HEAD of the protocols' routes: hits and misses) run on the threads that receive
/// them (.NET's socket event loops), as in nginx's workers, instead of being handed to the thread pool
/// twice on their way in. Measured on 2 cores (wrk -t2 -c32, 3 alternated runs): GET miss 61k → 80k req/s
/// (22 → 16.5 µs of server CPU each), GET hit 1 KiB 51k → 64k, p99 2.5 → 3.7 ms and 2.7 → 5.2 ms. With one
/// thread per core (.NET's default for this) a hit's p99 was 14–22 ms: a busy or preempted thread holds up
/// every connection it serves, so there are four per core. What can block leaves them
/// (<see cref="SocketThreads.Leave"/>).
/// </summary>
public static class SocketThreadHosting
{
    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    private const string ThreadCountVariable = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    /// <summary>
    /// How many socket threads run requests: the setting, or by default 4 per core on the embedded default
    /// and none otherwise. Every socket completion of the process continues on a socket thread, Npgsql's
    /// and the S3 client's too, and code after them (a sweep listing the blob directory) would hold those up.
    /// </summary>
    public static int SocketThreadCount(IConfiguration configuration)
    {
        var embedded = configuration.ReadSettings<DatabaseOptions>(DatabaseOptions.Section).Provider == DatabaseProvider.Sqlite
            && configuration.ReadSettings<StorageOptions>(StorageOptions.Section).Provider == StorageProvider.FileSystem;
        return configuration.ReadSettings<CacheRegistryOptions>(CacheRegistryOptions.Section).SocketThreads ?? (embedded ? 4 * Environment.ProcessorCount : 0);
    }

    /// <summary>
    /// Runs requests on <paramref name="threads"/> socket threads. Process-wide (.NET reads it when its first
    /// socket starts), so it is the entry point's choice: a test process that hosts servers keeps .NET's default.
    /// </summary>
    public static void UseSocketThreads(this IWebHostBuilder host, int threads)
    {
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null) Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        if (Environment.GetEnvironmentVariable(ThreadCountVariable) is null) Environment.SetEnvironmentVariable(ThreadCountVariable, threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        host.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
    }

    /// <summary>
    /// Every request but a cache read starts on the thread pool: uploads and deletions wait on disks and
    /// the database anyway (on the socket threads small uploads took a tenth more CPU each), and the
    /// dashboard (Data Protection reads its keys synchronously) and /metrics call libraries that may wait
    /// synchronously. An HTTP/1.1 body read that waits resumes on a socket thread: hashing and compressing
    /// an upload's next blocks may run there, which is why the calls that block leave again.
    /// </summary>
    public static IApplicationBuilder KeepOnlyCacheReadsOnSocketThreads(this IApplicationBuilder app) => app.Use(static async (context, next) =>
    {
        // On the thread pool already (socket threads off) there is nothing to decide.
        if (SocketThreads.OnSocketThread && !IsCacheRead(context)) await SocketThreads.Leave();
        await next(context);
    });

    // A read of a namespace's data through a protocol or the API; not a dashboard page.
    private static bool IsCacheRead(HttpContext context) =>
        (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        && context.GetEndpoint()?.Metadata is { } metadata
        && metadata.GetMetadata<NamespaceSourceMetadata>() is { Source: not NamespaceSource.None }
        && metadata.GetMetadata<ProtocolTag>() is not { Name: Dashboard.DashboardEndpoints.Protocol };
}
