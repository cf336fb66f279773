using CacheRegistry.Server.Core.Threading;
using Microsoft.Data.Sqlite;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Copies committed pages from SQLite's write-ahead log into the database file beside the writer
/// (<c>PRAGMA wal_checkpoint(PASSIVE)</c>), so that the group commit's writer, which otherwise checkpoints
/// inside a commit, does not stop every few thousand pages to copy them and sync both files. A passive
/// checkpoint takes no lock that writers or readers wait for; it copies what no reader still needs.
/// </summary>
internal sealed class SqliteCheckpointer(string connectionString) : IDisposable
{
    private SqliteConnection? _connection;
    private SqliteCommand? _checkpoint;

    /// <summary>Checkpoints what it can; returns the pages the log holds and how many of them are in the database file.</summary>
    public async Task<(long LogPages, long CheckpointedPages)> CheckpointAsync()
    {
        await SocketThreads.Leave(); // SQLite copies and syncs synchronously
        var command = _checkpoint ??= Open();
        try
        {
            using var reader = command.ExecuteReader();
            reader.Read();
            return (reader.GetInt64(1), reader.GetInt64(2));
        }
        catch
        {
            Dispose(); // start afresh next time
            throw;
        }
    }

    private SqliteCommand Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        connection.Open();
        SqliteConnectionSettings.Apply(connection);
        var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        _connection = connection;
        return command;
    }

    public void Dispose()
    {
        _checkpoint?.Dispose();
        _connection?.Dispose();
        (_checkpoint, _connection) = (null, null);
    }
}
