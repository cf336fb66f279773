using CacheRegistry.Common.Hashing;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Writes that catalogs contribute to and that commit together: one command, all or nothing. The core
/// uses it where one operation spans aggregates (storing a value blob and the entry naming it).
/// </summary>
public sealed class MetadataWrite
{
    internal SqlBatch Batch { get; } = new();

    /// <summary>When set, the commit answers with the storage key this blob has afterwards (to tell whether a registration won).</summary>
    internal Sha256Digest? StorageKeyOf { get; set; }

    public bool IsEmpty => Batch.IsEmpty;
}

/// <summary>A write refused by the database's constraints: a grant or blob it names is not there (any more).</summary>
public sealed class MetadataConstraintException(string message, Exception inner) : Exception(message, inner);

/// <summary>Commits <see cref="MetadataWrite"/>s.</summary>
public sealed class MetadataWriter
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;
    private readonly MetadataDialect _dialect;

    internal MetadataWriter(IDbContextFactory<CacheDbContext> contexts, MetadataDialect dialect)
    {
        _contexts = contexts;
        _dialect = dialect;
    }

    public MetadataWrite Begin() => new();

    /// <returns>The storage key asked for with <see cref="MetadataWrite.StorageKeyOf"/>, else null.</returns>
    /// <exception cref="MetadataConstraintException">A foreign key refused the write; nothing was written.</exception>
    public async Task<string?> CommitAsync(MetadataWrite write, CancellationToken cancellationToken)
    {
        if (write.IsEmpty) return null;
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        try
        {
            if (write.StorageKeyOf is not { } digest)
            {
                await _dialect.ExecuteAtomicAsync(db, write.Batch, cancellationToken);
                return null;
            }
            write.Batch.Add("""SELECT storage_key AS "Value" FROM blobs WHERE digest = {0}""", digest.Hex);
            return (await _dialect.QueryAtomicAsync<string>(db, write.Batch, cancellationToken)).FirstOrDefault();
        }
        catch (Exception e) when (_dialect.IsForeignKeyViolation(e))
        {
            throw new MetadataConstraintException("a blob the write names is not (or no longer) in the namespace", e);
        }
    }
}
