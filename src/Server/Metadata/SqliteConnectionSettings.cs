using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Settings every SQLite connection gets when it opens. A busy timeout lets SQLite wait for the write
/// lock in short steps; without it, Microsoft.Data.Sqlite retries a locked write only every 150 ms,
/// which stalls background writers (access flushes, rollups, GC) behind the group commit. Checkpoints
/// run beside the writers (Background/WalCheckpointService); a commit checkpoints only past 16,000 log
/// pages, the bound when they cannot keep up, and the point where SQLite rewinds the log under constant
/// writes (it rewinds only when a write begins with every page checkpointed).
/// No memory map (<c>mmap_size</c>): it halved a Turborepo query's time while nothing was written between
/// queries, but SQLite unmaps the whole file at every read transaction after another connection's commit, and
/// the page faults of the new map cost more than the reads they replace: under uploads, point queries and
/// the long lists' lookups got slower (README, the table of changes).
/// </summary>
internal sealed class SqliteConnectionSettings : DbConnectionInterceptor
{
    public const string Pragmas = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 16000";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    // Per SQLite handle: Microsoft.Data.Sqlite pools handles, and the settings stay with a handle it reuses.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> Applied = [];

    /// <summary>Applies the settings to a connection just opened (once per SQLite handle).</summary>
    public static void Apply(DbConnection connection)
    {
        var handle = ((Microsoft.Data.Sqlite.SqliteConnection)connection).Handle!;
        if (Applied.TryGetValue(handle, out _)) return;
        Applied.AddOrUpdate(handle, Applied);
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }
}
