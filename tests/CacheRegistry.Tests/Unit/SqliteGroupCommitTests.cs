using CacheRegistry.Server.Metadata;
using Microsoft.Data.Sqlite;

namespace CacheRegistry.Tests.Unit;

/// <summary>The group commit on a real SQLite file: writes queued together commit together, and one refused fails alone.</summary>
public sealed class SqliteGroupCommitTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("group-commit-").FullName;

    private string ConnectionString => $"Data Source={Path.Combine(_directory, "test.db")};Pooling=False";

    [Fact]
    public async Task A_refused_write_fails_alone_and_the_rest_of_its_group_commits()
    {
        await using (var setup = Open())
        {
            Execute(setup, "PRAGMA journal_mode = WAL; CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK (name <> 'refused'))");
        }
        await using var group = new SqliteGroupCommit(ConnectionString);

        // While another connection holds the write lock, the first write waits in its own group; the
        // writes queued meanwhile are taken together, as one group, when the lock is released.
        await using var blocker = Open();
        Execute(blocker, "BEGIN IMMEDIATE");
        var first = group.CommitAsync(Insert(0, "first"), returnsValue: false);
        await Task.Delay(300);
        var writes = Enumerable.Range(1, 20).Select(id => (Id: id, Refused: id % 4 == 0)).ToList();
        var commits = writes.Select(w => group.CommitAsync(Insert(w.Id, w.Refused ? "refused" : $"item {w.Id}"), returnsValue: false)).ToList();
        Execute(blocker, "ROLLBACK");

        await first;
        for (var i = 0; i < writes.Count; i++)
        {
            if (writes[i].Refused) await Assert.ThrowsAsync<SqliteException>(() => commits[i]);
            else await commits[i];
        }
        await using var check = Open();
        using var query = check.CreateCommand();
        query.CommandText = "SELECT id FROM items ORDER BY id";
        var stored = new List<long>();
        await using (var reader = await query.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) stored.Add(reader.GetInt64(0));
        }
        Assert.Equal(writes.Where(w => !w.Refused).Select(w => (long)w.Id).Prepend(0), stored);
    }

    private static MetadataWrite Insert(int id, string name)
    {
        var write = new MetadataWrite();
        write.Batch.Add("INSERT INTO items (id, name) VALUES ({0}, {1})", id, name);
        return write;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
