using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>Whether the database answers, and how to tell an outage from a bug in what it throws.</summary>
public sealed class MetadataHealth
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;
    private readonly MetadataDialect _dialect;

    internal MetadataHealth(IDbContextFactory<CacheDbContext> contexts, MetadataDialect dialect)
    {
        _contexts = contexts;
        _dialect = dialect;
    }

    public async Task<bool> CanConnectAsync(CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.Database.CanConnectAsync(cancellationToken);
    }

    /// <summary>The database cannot be reached or is not accepting work.</summary>
    public bool IsUnavailable(Exception exception) => _dialect.IsUnavailable(exception);

    /// <summary>The database's disk is full.</summary>
    public bool IsDiskFull(Exception exception) => _dialect.IsDiskFull(exception);
}
