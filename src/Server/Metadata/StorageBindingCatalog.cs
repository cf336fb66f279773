using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>Which storage the database describes: the id written in the storage's marker object, and a description for errors.</summary>
public sealed record StorageBindingRecord(string StorageId, string Description);

/// <summary>Owns the one row naming the storage this database describes (<c>storage_binding</c>).</summary>
public sealed class StorageBindingCatalog
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;
    private readonly MetadataDialect _dialect;
    private readonly PlainSql _sql;

    internal StorageBindingCatalog(IDbContextFactory<CacheDbContext> contexts, MetadataDialect dialect, PlainSql sql)
    {
        _contexts = contexts;
        _dialect = dialect;
        _sql = sql;
    }

    /// <summary>The binding, read before the server serves (hence plain SQL); null before the first start records one.</summary>
    public async Task<StorageBindingRecord?> GetAsync(CancellationToken cancellationToken)
    {
        var bindings = await _sql.QueryAsync("SELECT storage_id, description FROM storage_binding WHERE id = 1",
            reader => new StorageBindingRecord(reader.GetString(0), reader.GetString(1)), cancellationToken);
        return bindings.SingleOrDefault();
    }

    /// <summary>Records the binding unless one exists; returns the binding in force afterwards.</summary>
    public async Task<StorageBindingRecord> BindAsync(StorageBindingRecord binding, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var batch = new SqlBatch().Add("""
            INSERT INTO storage_binding (id, storage_id, description, created_at) VALUES (1, {0}, {1}, {2})
            ON CONFLICT (id) DO NOTHING
            """, binding.StorageId, binding.Description, _dialect.Time(now));
        await using (var db = await _contexts.CreateDbContextAsync(cancellationToken))
        {
            await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken);
        }
        return await GetAsync(cancellationToken) ?? binding;
    }
}
