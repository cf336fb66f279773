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
/// These connections read through a memory map of the database file: a connection's page cache is
/// dropped whenever another one commits (every upload, every access flush), so each query read its
/// pages again, one <c>pread</c> each (strace: 38,512 for a Turborepo query of 10,000 hashes over
/// 100,000 entries; 4,519 through the map, the pages still in the write-ahead log). The group commit's
/// writer does not map (<see cref="SqliteGroupCommit"/>): it keeps its own cache of the pages it inserts into.
/// </summary>
internal sealed class SqliteConnectionSettings : DbConnectionInterceptor
{
    public const string Pragmas = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 16000";

    // Address space, not memory: the pages read count in the process's RSS as shared file pages, which the kernel may drop.
    private const string MapReads = "PRAGMA mmap_size = 1073741824";

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
        command.CommandText = $"{Pragmas}; {MapReads}";
        command.ExecuteNonQuery();
    }
}
