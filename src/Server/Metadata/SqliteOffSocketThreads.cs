using System.Data.Common;
using CacheRegistry.Server.Core.Threading;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Moves EF Core's work on SQLite off the socket threads before it opens its connection: Microsoft.Data.Sqlite
/// runs every command synchronously, and a write may wait for the database's write lock (busy_timeout).
/// EF Core opens the connection for each query and each transaction, so this one place covers them all.
/// </summary>
internal sealed class SqliteOffSocketThreads : DbConnectionInterceptor
{
    public override async ValueTask<InterceptionResult> ConnectionOpeningAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        await SocketThreads.Leave();
        return result;
    }
}
