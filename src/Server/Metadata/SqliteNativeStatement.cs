using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// One statement of the group commit, prepared once and run through SQLite's C API: bind, step, reset.
/// Microsoft.Data.Sqlite's command did the same with a data reader and a parameter binder per run, which
/// took about a tenth of the group commit thread's samples under a stream of small uploads (perf).
/// Values are bound as Microsoft.Data.Sqlite binds them; the catalogs send SQLite only the types below
/// (the dialect turns times into numbers), and any other is refused before anything runs.
/// </summary>
internal sealed class SqliteNativeStatement : IDisposable
{
    private static readonly TimeSpan BusyPatience = TimeSpan.FromSeconds(30);

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly int[] _slots;

    private SqliteNativeStatement(sqlite3 db, sqlite3_stmt statement, int[] slots)
    {
        _db = db;
        _statement = statement;
        _slots = slots;
    }

    /// <param name="sql">One statement whose parameters are named @p0, @p1… (<see cref="SqlStatement"/>).</param>
    public static SqliteNativeStatement Prepare(SqliteConnection connection, string sql, int parameterCount, bool persistent)
    {
        var db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v3(db, sql, persistent ? raw.SQLITE_PREPARE_PERSISTENT : 0u, out var statement, out var tail);
        SqliteException.ThrowExceptionForRC(rc, db);
        if (!string.IsNullOrWhiteSpace(tail) || statement is null || statement.IsInvalid)
        {
            statement?.Dispose();
            throw new ArgumentException("one statement, not none or several", nameof(sql));
        }
        var slots = new int[parameterCount];
        for (var i = 0; i < parameterCount; i++) slots[i] = raw.sqlite3_bind_parameter_index(statement, SqlBatch.ParameterName(i));
        return new SqliteNativeStatement(db, statement, slots);
    }

    /// <summary>Binds the statement's values (from <paramref name="first"/> on).</summary>
    /// <exception cref="NotSupportedException">A value of a type the catalogs never send SQLite.</exception>
    public void Bind(IReadOnlyList<object> values, int first, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var slot = _slots[i];
            var rc = values[first + i] switch
            {
                // UTF-16, which SQLite converts itself (no managed copy); an empty string through the UTF-8 call, whose
                // pointer is never null (a null pointer binds NULL, and an empty span may be pinned as one).
                string { Length: 0 } => raw.sqlite3_bind_text(_statement, slot, ""),
                string text => raw.sqlite3_bind_text16(_statement, slot, text),
                long number => raw.sqlite3_bind_int64(_statement, slot, number),
                int number => raw.sqlite3_bind_int64(_statement, slot, number),
                bool flag => raw.sqlite3_bind_int64(_statement, slot, flag ? 1 : 0),
                double real => raw.sqlite3_bind_double(_statement, slot, real),
                byte[] { Length: 0 } => raw.sqlite3_bind_zeroblob(_statement, slot, 0),
                byte[] bytes => raw.sqlite3_bind_blob(_statement, slot, bytes),
                var other => Unsupported(other),
            };
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }

    private int Unsupported(object value)
    {
        raw.sqlite3_clear_bindings(_statement);
        throw new NotSupportedException($"a SQL parameter of type {value.GetType().Name}: bind it in {nameof(SqliteNativeStatement)}");
    }

    /// <summary>Runs the bound statement to its end; the first non-null text of its rows' first column when <paramref name="readFirstValue"/>.</summary>
    /// <exception cref="SqliteException">SQLite refused it (a constraint, a full disk…), as Microsoft.Data.Sqlite reports it.</exception>
    public string? Run(bool readFirstValue)
    {
        try
        {
            string? value = null;
            var waited = System.Diagnostics.Stopwatch.StartNew();
            int rc;
            while (true)
            {
                rc = raw.sqlite3_step(_statement);
                if (rc == raw.SQLITE_ROW)
                {
                    if (readFirstValue && value is null && raw.sqlite3_column_type(_statement, 0) != raw.SQLITE_NULL)
                    {
                        value = raw.sqlite3_column_text(_statement, 0).utf8_to_string();
                    }
                    continue;
                }
                // The lock another connection holds past busy_timeout: tried again for as long as Microsoft.Data.Sqlite's
                // command did (its default timeout), then an error the caller reports as the database being unavailable.
                if ((rc is raw.SQLITE_BUSY or raw.SQLITE_LOCKED) && value is null && waited.Elapsed < BusyPatience)
                {
                    raw.sqlite3_reset(_statement);
                    continue;
                }
                break;
            }
            if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _db);
            return value;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
            raw.sqlite3_clear_bindings(_statement);
        }
    }

    public void Dispose() => _statement.Dispose();
}
