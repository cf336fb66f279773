using CacheRegistry.Server.Core.Threading;
using Microsoft.Data.Sqlite;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Copies committed pages from SQLite's write-ahead log into the database file beside the writers
/// (<c>PRAGMA wal_checkpoint(PASSIVE)</c>), so that the group commit, which otherwise checkpoints inside
/// a commit, does not stop every few thousand pages to copy them and sync both files. A passive
/// checkpoint takes no lock that writers or readers wait for; it copies what no reader still needs.
/// </summary>
public sealed class SqliteCheckpointer : IDisposable
{
    private readonly string _connectionString;
    private SqliteConnection? _connection;
    private SqliteCommand? _checkpoint;

    /// <param name="connectionString">Unpooled, and never creating the file (the registration's <c>OpenedAnew</c>).</param>
    internal SqliteCheckpointer(string connectionString) => _connectionString = connectionString;

    public async Task CheckpointAsync()
    {
        await SocketThreads.Leave(); // SQLite copies and syncs synchronously
        try
        {
            _checkpoint ??= Open();
            _checkpoint.ExecuteNonQuery();
        }
        catch
        {
            Dispose(); // start afresh next time
            throw;
        }
    }

    private SqliteCommand Open()
    {
        _connection = new SqliteConnection(_connectionString);
        _connection.Open();
        SqliteConnectionSettings.Apply(_connection);
        var command = _connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        return command;
    }

    public void Dispose()
    {
        _checkpoint?.Dispose();
        _connection?.Dispose();
        (_checkpoint, _connection) = (null, null);
    }
}
