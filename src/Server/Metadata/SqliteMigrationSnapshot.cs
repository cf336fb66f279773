using CacheRegistry.Server.Storage.FileSystem;
using Microsoft.Data.Sqlite;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Makes a migration of the embedded database all or nothing. EF Core's SQLite migrations are not: a table
/// rebuild (adding a foreign key) first commits the steps of the migration before it, so a server killed
/// during the Integrity migration left its new column committed but the migration unrecorded, and no
/// later start could migrate again ("duplicate column name: reference_count", found by CrashTests).
/// Before migrating, a copy of the database is saved beside it (<c>VACUUM INTO</c> a partial file, then
/// renamed); once the migration has committed, the copy is deleted, before the server serves. A start that
/// finds the copy puts it back in place of the half-migrated database and migrates again. Only for a
/// database this server holds alone (the embedded default, under the data directory lock).
/// </summary>
internal sealed class SqliteMigrationSnapshot(string databaseFile, PlainSql sql, ILogger logger)
{
    private string Copy => databaseFile + ".before-migration";

    private string PartialCopy => Copy + ".partial";

    /// <summary>Puts the saved copy back if a migration was interrupted.</summary>
    public void RestoreIfInterrupted()
    {
        File.Delete(PartialCopy); // a copy cut short: the database itself was not touched yet
        if (!File.Exists(Copy)) return;
        SqliteConnection.ClearAllPools();
        // The half-migrated database's log and index go first: SQLite would apply a log left beside the copy.
        foreach (var suffix in new[] { "-wal", "-shm", "-journal" }) File.Delete(databaseFile + suffix);
        File.Move(Copy, databaseFile, overwrite: true);
        SyncEntries();
        logger.LogWarning("A migration of the database was interrupted: put back the copy saved before it, and migrating again");
    }

    /// <summary>Saves a consistent copy of the database, on disk before it is named.</summary>
    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Saving a copy of the database ({Size:N0} bytes) before migrating it, so that an interrupted migration can be undone",
            new FileInfo(databaseFile).Length);
        await sql.QueryAsync("VACUUM INTO @p0", _ => 0, cancellationToken, PartialCopy);
        if (FileSystemSync.IsSupported) FileSystemSync.SyncOne(PartialCopy);
        File.Move(PartialCopy, Copy);
        SyncEntries();
    }

    /// <summary>Deletes the copy once the migration has committed, durably: put back later, it would undo what the server wrote since.</summary>
    public void Discard()
    {
        File.Delete(Copy);
        SyncEntries();
    }

    private void SyncEntries()
    {
        if (FileSystemSync.IsSupported) FileSystemSync.SyncOne(Path.GetDirectoryName(Path.GetFullPath(databaseFile))!);
    }
}
