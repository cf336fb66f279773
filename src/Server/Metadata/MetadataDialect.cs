using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Npgsql;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Where SQLite and PostgreSQL differ, one hook per concern: how times and lists are written in raw SQL,
/// how a batch of statements is run atomically, and how provider errors are classified.
/// </summary>
internal abstract class MetadataDialect
{
    /// <summary>A time as the provider stores it, for raw SQL parameters.</summary>
    public abstract object Time(DateTimeOffset time);

    /// <summary>Runs the batch as one command that either applies whole or not at all; returns the rows it changed.</summary>
    public abstract Task<int> ExecuteAtomicAsync(CacheDbContext db, SqlBatch batch, CancellationToken cancellationToken);

    /// <summary>Like <see cref="ExecuteAtomicAsync"/>, for a batch whose last statement is a query; returns its rows (one column named "Value").</summary>
    public abstract Task<List<T>> QueryAtomicAsync<T>(CacheDbContext db, SqlBatch batch, CancellationToken cancellationToken);

    /// <summary>
    /// A statement that locks the rows <paramref name="select"/> finds until its batch commits, where
    /// writers work concurrently, so that the batch's next statements judge those rows as their last
    /// writer left them; null where one writer at a time has the database (SQLite).
    /// </summary>
    public abstract string? LockRows(string select);

    /// <summary>
    /// A condition that <paramref name="column"/> is one of the values of parameter <c>{<paramref name="index"/>}</c>
    /// (made by <see cref="ListParameter"/>): a list travels as one parameter, however long (10,000 digests as
    /// parameters of their own parse slowly as SQL).
    /// </summary>
    public abstract string InList(string column, int index);

    /// <summary>
    /// The rows of <paramref name="table"/> (named <paramref name="alias"/>) whose <paramref name="column"/>, the
    /// start of an index, is one of the values of parameter <c>{<paramref name="index"/>}</c>: a FROM item. SQLite
    /// then looks each value up, where <see cref="InList"/> first builds an index of the list (a Turborepo query's
    /// 500 present keys: 1.3 against 2.0 ms); PostgreSQL plans <c>= ANY</c> well (a join with the unnested list,
    /// hashed over the whole table, took find-missing's 10,000 digests from 19 to 85-110 ms).
    /// </summary>
    public abstract string RowsInList(string table, string alias, string column, int index);

    /// <summary>The parameter <see cref="InList"/> and <see cref="RowsInList"/> read.</summary>
    public abstract object ListParameter(IReadOnlyCollection<string> values);

    public abstract bool IsForeignKeyViolation(Exception exception);

    public abstract bool IsUniqueViolation(Exception exception);

    /// <summary>The database cannot be reached or is not accepting work (a refused connection, a shutdown, a timeout).</summary>
    public abstract bool IsUnavailable(Exception exception);

    /// <summary>The database's disk is full.</summary>
    public abstract bool IsDiskFull(Exception exception);

    /// <summary>The database or the table a query named does not exist yet (a first start).</summary>
    public abstract bool IsMissingSchema(Exception exception);

    protected static T? Find<T>(Exception exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found) return found;
        }
        return null;
    }
}

internal sealed class SqliteDialect : MetadataDialect
{
    private const int Error = 1, Busy = 5, Locked = 6, IoError = 10, Corrupt = 11, Full = 13, CantOpen = 14, Constraint = 19;
    private const int ForeignKeyConstraint = 787, PrimaryKeyConstraint = 1555, UniqueConstraint = 2067;

    private static readonly DateTimeOffsetToBinaryConverter Converter = new();

    public override object Time(DateTimeOffset time) => Converter.ConvertToProvider(time)!;

    // In a transaction, which makes the batch whole (beginning and committing is in-process: no round trip),
    // statement by statement: one command for the batch would have Microsoft.Data.Sqlite look each of its
    // parameters up in each of its statements (an access flush of 200 updates: 120,000 lookups). A statement
    // repeated in the batch reuses its command.
    public override async Task<int> ExecuteAtomicAsync(CacheDbContext db, SqlBatch batch, CancellationToken cancellationToken)
    {
        // Its commands bypass EF Core: the span stands for them (tracing, and CommandCountTests' count).
        using var activity = MetadataWriter.Activities.StartActivity("metadata commit");
        activity?.SetTag("db.query.text", batch.Sql);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var commands = new Dictionary<string, SqliteCommand>(StringComparer.Ordinal);
        try
        {
            var changed = 0;
            foreach (var statement in batch.Statements)
            {
                if (!commands.TryGetValue(statement.NamedSql, out var command))
                {
                    command = connection.CreateCommand();
                    command.CommandText = statement.NamedSql;
                    command.Transaction = (SqliteTransaction)transaction.GetDbTransaction();
                    commands.Add(statement.NamedSql, command);
                }
                statement.Bind(command, batch.Parameters);
                changed += await command.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return changed;
        }
        finally
        {
            foreach (var command in commands.Values) command.Dispose();
        }
    }

    public override async Task<List<T>> QueryAtomicAsync<T>(CacheDbContext db, SqlBatch batch, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var rows = await db.Database.SqlQueryRaw<T>(batch.Sql, [.. batch.Parameters]).ToListAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return rows;
    }

    public override string? LockRows(string select) => null;

    public override string RowsInList(string table, string alias, string column, int index) =>
        $"json_each({{{index}}}) AS listed CROSS JOIN {table} AS {alias} ON {alias}.{column} = listed.value";

    public override string InList(string column, int index) => $"{column} IN (SELECT value FROM json_each({{{index}}}))";

    public override object ListParameter(IReadOnlyCollection<string> values)
    {
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartArray();
            foreach (var value in values) writer.WriteStringValue(value);
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(json.WrittenSpan);
    }

    public override bool IsForeignKeyViolation(Exception exception) => Find<SqliteException>(exception) is { SqliteExtendedErrorCode: ForeignKeyConstraint };

    public override bool IsUniqueViolation(Exception exception) =>
        Find<SqliteException>(exception) is { SqliteExtendedErrorCode: PrimaryKeyConstraint or UniqueConstraint };

    public override bool IsUnavailable(Exception exception) =>
        Find<SqliteException>(exception) is { SqliteErrorCode: Busy or Locked or IoError or CantOpen or Corrupt } && !IsDiskFull(exception);

    public override bool IsDiskFull(Exception exception) =>
        Find<SqliteException>(exception) is { SqliteErrorCode: Full } || Find<IOException>(exception) is { HResult: 28 };

    // No database file (plain connections never create one), or no such table.
    public override bool IsMissingSchema(Exception exception) => Find<SqliteException>(exception) is { } e
        && (e.SqliteErrorCode == CantOpen || (e.SqliteErrorCode == Error && e.Message.Contains("no such table", StringComparison.Ordinal)));
}

internal sealed class PostgresDialect : MetadataDialect
{
    public override object Time(DateTimeOffset time) => time.ToUniversalTime();

    // PostgreSQL runs the statements of one command in an implicit transaction: all or nothing, one round trip.
    public override Task<int> ExecuteAtomicAsync(CacheDbContext db, SqlBatch batch, CancellationToken cancellationToken) =>
        RunAgainAfterDeadlockAsync(() => db.Database.ExecuteSqlRawAsync(batch.Sql, batch.Parameters, cancellationToken), cancellationToken);

    public override Task<List<T>> QueryAtomicAsync<T>(CacheDbContext db, SqlBatch batch, CancellationToken cancellationToken) =>
        RunAgainAfterDeadlockAsync(() => db.Database.SqlQueryRaw<T>(batch.Sql, [.. batch.Parameters]).ToListAsync(cancellationToken), cancellationToken);

    // Statements that lock several rows do so in key order, but not every one can: a DELETE or UPDATE by a
    // condition locks rows in the order it scans them. When two commands wait for each other, PostgreSQL
    // ends one of them; its transaction was the command's own and rolled back whole, so it runs again.
    private static async Task<T> RunAgainAfterDeadlockAsync<T>(Func<Task<T>> command, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await command();
            }
            catch (Exception e) when (attempt < 4 && Find<PostgresException>(e) is { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure })
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50) * attempt), cancellationToken);
            }
        }
    }

    // A DELETE or UPDATE that meets a row a concurrent transaction changed waits for it, then re-checks only
    // that row's new version: subqueries keep the statement's older snapshot. Rows locked by an earlier
    // statement cannot change under a later one, which takes a snapshot of its own.
    public override string LockRows(string select) => $"{select} FOR UPDATE";

    public override string RowsInList(string table, string alias, string column, int index) =>
        $"(SELECT * FROM {table} WHERE {InList(column, index)}) AS {alias}";

    public override string InList(string column, int index) => $"{column} = ANY({{{index}}})";

    public override object ListParameter(IReadOnlyCollection<string> values) => values.ToArray();

    public override bool IsForeignKeyViolation(Exception exception) => Find<PostgresException>(exception) is { SqlState: PostgresErrorCodes.ForeignKeyViolation };

    public override bool IsUniqueViolation(Exception exception) => Find<PostgresException>(exception) is { SqlState: PostgresErrorCodes.UniqueViolation };

    public override bool IsUnavailable(Exception exception)
    {
        if (Find<PostgresException>(exception) is { } postgres)
        {
            // Class 08: connection exception; 57P: operator intervention (shutdown, crash); 53: insufficient resources.
            return postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal)
                || postgres.SqlState is PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.CannotConnectNow;
        }
        // Npgsql reports a refused or broken connection, and a timeout, as an NpgsqlException around the I/O error.
        return Find<NpgsqlException>(exception) is not null;
    }

    public override bool IsDiskFull(Exception exception) => Find<PostgresException>(exception) is { SqlState: PostgresErrorCodes.DiskFull };

    public override bool IsMissingSchema(Exception exception) =>
        Find<PostgresException>(exception) is { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidCatalogName };
}
