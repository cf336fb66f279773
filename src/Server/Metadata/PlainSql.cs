using System.Data.Common;
using CacheRegistry.Server.Core.Threading;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Reads on a plain ADO.NET connection of the metadata database, for what a server reads on its way to
/// serving (is the schema current, which storage the database belongs to, where the change log ends)
/// and for the readiness probe. EF Core's first query builds its services, its relational model and a
/// query pipeline: about a sixth of a start (dotnet-trace), which <see cref="QueryWarmup"/>
/// pays instead, beside the server, once it serves. On SQLite it never creates the database file: the
/// readiness probe must not make an empty database where one was lost.
/// </summary>
internal sealed class PlainSql(Func<DbConnection> connect, Action<DbConnection> onOpened)
{
    /// <summary>The rows of a query, each read by <paramref name="read"/>; its parameters are named @p0, @p1….</summary>
    public async Task<List<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        SqlStatement.BindValues(command, parameters, 0, parameters.Length);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken)) rows.Add(read(reader));
        return rows;
    }

    /// <summary>Runs a statement; returns the number of rows it changed.</summary>
    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Whether the database accepts a connection and answers a query.</summary>
    public async Task<bool> CanConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            await QueryAsync("SELECT 1", reader => reader.GetInt32(0), cancellationToken);
            return true;
        }
        catch (DbException)
        {
            return false;
        }
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await SocketThreads.Leave(); // SQLite opens its file, and runs every command, synchronously
        var connection = connect();
        try
        {
            await connection.OpenAsync(cancellationToken);
            onOpened(connection);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
