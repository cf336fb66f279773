using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Commits concurrent <see cref="MetadataWrite"/>s on SQLite together (group commit): SQLite has one
/// writer at a time, so uploads that would each wait for the lock and a commit of their own are
/// gathered while the previous group commits, and written in one transaction. When the database refuses
/// one of them (a constraint), the group runs again with a savepoint per write, so that one fails alone.
/// Every caller is answered only after the commit that holds its write (or its failure). One long-lived
/// connection, with its statements prepared once (<see cref="SqliteNativeStatement"/>).
/// </summary>
internal sealed class SqliteGroupCommit : IAsyncDisposable
{
    private const int MaxGroup = 256;
    private const int MaxPreparedCommands = 256;
    private const int MaxPreparedParameters = 64;

    private readonly string _connectionString;
    // Synchronous continuations: the only one wakes the loop's thread, which need not go through the thread pool.
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    private readonly Dictionary<string, SqliteNativeStatement> _prepared = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SqliteConnection? _connection;

    public SqliteGroupCommit(string connectionString)
    {
        _connectionString = connectionString;
        // Its own thread: on the thread pool, each group would first wait behind the queued work of the requests it answers.
        new Thread(CommitGroups) { IsBackground = true, Name = "SQLite group commit" }.Start();
    }

    /// <summary>Queues the write; completes once its group committed, with the result its batch asked for.</summary>
    public Task<string?> CommitAsync(MetadataWrite write, bool returnsValue)
    {
        var pending = new PendingWrite(write.Batch, returnsValue);
        if (!_queue.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(SqliteGroupCommit), "the server is stopping");
        return pending.Completion.Task;
    }

    private void CommitGroups()
    {
        var group = new List<PendingWrite>(MaxGroup);
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (group.Count < MaxGroup && _queue.Reader.TryRead(out var pending)) group.Add(pending);
            Commit(group);
            group.Clear();
        }
        _stopped.SetResult();
    }

    private void Commit(List<PendingWrite> group)
    {
        try
        {
            var connection = Connection();
            if (!CommitTogether(connection, group)) CommitEachInSavepoint(connection, group);
        }
        catch (Exception e)
        {
            Abandon();
            foreach (var pending in group) pending.Completion.TrySetException(e);
        }
    }

    // The usual case, where the database refuses none of the writes: no savepoints (each would cost two
    // statements per write). False, with everything rolled back and nobody answered, when one is refused.
    private bool CommitTogether(SqliteConnection connection, List<PendingWrite> group)
    {
        var values = new string?[group.Count];
        Execute(connection, "BEGIN IMMEDIATE");
        try
        {
            for (var i = 0; i < group.Count; i++) values[i] = Run(connection, group[i]);
        }
        catch (SqliteException) when (InTransaction(connection))
        {
            // A refusal; another connection may take the write lock before the group begins again, and is waited for.
            Execute(connection, "ROLLBACK");
            return false;
        }
        Execute(connection, "COMMIT");
        for (var i = 0; i < group.Count; i++) group[i].Completion.TrySetResult(values[i]);
        return true;
    }

    private void CommitEachInSavepoint(SqliteConnection connection, List<PendingWrite> group)
    {
        var committed = new List<(PendingWrite Write, string? Value)>(group.Count);
        Execute(connection, "BEGIN IMMEDIATE");
        foreach (var pending in group)
        {
            Execute(connection, "SAVEPOINT write");
            try
            {
                committed.Add((pending, Run(connection, pending)));
                Execute(connection, "RELEASE write");
            }
            catch (SqliteException e) when (InTransaction(connection))
            {
                // The write fails alone (a constraint, a value SQLite refuses); if even the rollback fails, the group does.
                Execute(connection, "ROLLBACK TO write");
                Execute(connection, "RELEASE write");
                pending.Completion.TrySetException(e);
            }
        }
        Execute(connection, "COMMIT");
        foreach (var (pending, value) in committed) pending.Completion.TrySetResult(value);
    }

    private string? Run(SqliteConnection connection, PendingWrite pending)
    {
        string? value = null;
        var parameters = pending.Batch.Parameters;
        foreach (var statement in pending.Batch.Statements)
        {
            // A statement with many parameters (a long IN list) is a one-off: preparing it would push the hot upload statements out of the cache.
            using var oneOff = statement.ParameterCount > MaxPreparedParameters
                ? SqliteNativeStatement.Prepare(connection, statement.NamedSql, statement.ParameterCount, persistent: false) : null;
            var native = oneOff ?? Prepared(connection, statement.NamedSql, statement.ParameterCount);
            native.Bind(parameters, statement.FirstParameter, statement.ParameterCount);
            var read = native.Run(pending.ReturnsValue); // run whatever was read before: every statement of the write
            value ??= read;
        }
        return value;
    }

    private SqliteConnection Connection()
    {
        if (_connection is not null) return _connection;
        // Unpooled: a connection abandoned with its transaction open must not be handed to EF Core.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder(_connectionString) { Pooling = false }.ToString());
        connection.Open();
        // NORMAL: in WAL mode a commit survives a crash of the process; the durability flush bounds a power loss.
        // Nearly every write goes through this connection: a 16 MiB page cache keeps the indexes' pages it
        // inserts into. A refused write's statement journal stays in memory (temp_store), not in a temporary file.
        using (var pragmas = connection.CreateCommand())
        {
            pragmas.CommandText = "PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY; " + SqliteConnectionSettings.Pragmas;
            pragmas.ExecuteNonQuery();
        }
        return _connection = connection;
    }

    // False when SQLite has rolled the transaction back itself (a full disk, an I/O error): its error is then the group's.
    private static bool InTransaction(SqliteConnection connection) => SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) == 0;

    private SqliteNativeStatement Prepared(SqliteConnection connection, string sql, int parameterCount)
    {
        if (_prepared.TryGetValue(sql, out var statement)) return statement;
        if (_prepared.Count >= MaxPreparedCommands) ForgetPrepared();
        statement = SqliteNativeStatement.Prepare(connection, sql, parameterCount, persistent: true);
        _prepared[sql] = statement;
        return statement;
    }

    private void Execute(SqliteConnection connection, string sql) => Prepared(connection, sql, parameterCount: 0).Run(readFirstValue: false);

    // After a failure the transaction may be open or the connection broken: start afresh with the next group.
    private void Abandon()
    {
        ForgetPrepared();
        _connection?.Dispose();
        _connection = null;
    }

    private void ForgetPrepared()
    {
        foreach (var statement in _prepared.Values) statement.Dispose();
        _prepared.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopped.Task;
        ForgetPrepared();
        _connection?.Dispose();
    }

    private sealed class PendingWrite(SqlBatch batch, bool returnsValue)
    {
        public SqlBatch Batch { get; } = batch;

        public bool ReturnsValue { get; } = returnsValue;

        public TaskCompletionSource<string?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
