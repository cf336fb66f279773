using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>A recorded delete or overwrite: of a blob in a namespace ("blob", the digest) or of an entry ("entry", kind:key).</summary>
public sealed record ChangeRecord(long Id, string Namespace, string Kind, string Key);

/// <summary>
/// Reads the log of deletes and overwrites (<c>metadata_changes</c>) that the other catalogs append to
/// in the same commands as the changes themselves, so every replica can forget what it has cached.
/// </summary>
public sealed class ChangeLog
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;
    private readonly PlainSql _sql;

    internal ChangeLog(IDbContextFactory<CacheDbContext> contexts, PlainSql sql)
    {
        _contexts = contexts;
        _sql = sql;
    }

    /// <summary>The id of the newest change; a replica starting up reads from there (before it serves, hence plain SQL).</summary>
    public async Task<long> LatestIdAsync(CancellationToken cancellationToken)
    {
        var latest = await _sql.QueryAsync("SELECT MAX(id) FROM metadata_changes", reader => reader.IsDBNull(0) ? 0 : reader.GetInt64(0), cancellationToken);
        return latest[0];
    }

    /// <summary>Changes after <paramref name="afterId"/>, and any of <paramref name="gaps"/> (ids skipped earlier that may belong to transactions committing late).</summary>
    public async Task<IReadOnlyList<ChangeRecord>> ReadAsync(long afterId, IReadOnlyCollection<long> gaps, int take, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var missing = gaps.ToArray();
        return await db.MetadataChanges.AsNoTracking()
            .Where(c => c.Id > afterId || missing.Contains(c.Id))
            .OrderBy(c => c.Id).Take(take)
            .Select(c => new ChangeRecord(c.Id, c.Namespace, c.Kind, c.Key))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Drops changes older than <paramref name="cutoff"/>: every replica has long read them.</summary>
    public async Task<int> PruneAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.MetadataChanges.Where(c => c.At < cutoff).ExecuteDeleteAsync(cancellationToken);
    }
}
