namespace CacheRegistry.Server.Metadata;

/// <summary>Whether the database answers, and how to tell an outage from a bug in what it throws.</summary>
public sealed class MetadataHealth
{
    private readonly PlainSql _sql;
    private readonly MetadataDialect _dialect;

    internal MetadataHealth(PlainSql sql, MetadataDialect dialect)
    {
        _sql = sql;
        _dialect = dialect;
    }

    public Task<bool> CanConnectAsync(CancellationToken cancellationToken) => _sql.CanConnectAsync(cancellationToken);

    /// <summary>The database cannot be reached or is not accepting work.</summary>
    public bool IsUnavailable(Exception exception) => _dialect.IsUnavailable(exception);

    /// <summary>The database's disk is full.</summary>
    public bool IsDiskFull(Exception exception) => _dialect.IsDiskFull(exception);
}
