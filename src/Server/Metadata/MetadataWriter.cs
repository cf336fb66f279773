using CacheRegistry.Common.Hashing;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Writes that catalogs contribute to and that commit together: one transaction, all or nothing. The core
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

/// <summary>
/// Commits <see cref="MetadataWrite"/>s: on SQLite through one group commit (<see cref="SqliteGroupCommit"/>),
/// on PostgreSQL each on a pooled connection of its own (PostgreSQL commits concurrently).
/// </summary>
public sealed class MetadataWriter : IAsyncDisposable
{
    /// <summary>Spans for commits (how long an upload waits for its group), when tracing listens.</summary>
    internal static readonly System.Diagnostics.ActivitySource Activities = new("CacheRegistry.Metadata");

    private readonly IDbContextFactory<CacheDbContext> _contexts;
    private readonly MetadataDialect _dialect;
    private readonly SqliteGroupCommit? _group;

    internal MetadataWriter(IDbContextFactory<CacheDbContext> contexts, MetadataDialect dialect, SqliteGroupCommit? group)
    {
        _contexts = contexts;
        _dialect = dialect;
        _group = group;
    }

    public MetadataWrite Begin() => new();

    /// <returns>The storage key asked for with <see cref="MetadataWrite.StorageKeyOf"/>, else null.</returns>
    /// <exception cref="MetadataConstraintException">A foreign key refused the write; nothing was written.</exception>
    public async Task<string?> CommitAsync(MetadataWrite write, CancellationToken cancellationToken)
    {
        if (write.IsEmpty) return null;
        if (write.StorageKeyOf is { } digest) write.Batch.Add("""SELECT storage_key AS "Value" FROM blobs WHERE digest = {0}""", digest.Hex);
        var returnsValue = write.StorageKeyOf is not null;
        using var activity = Activities.StartActivity("metadata commit");
        activity?.SetTag("db.query.text", write.Batch.Sql);
        try
        {
            // Once queued, a write is waited for whatever happens to the request: its caller must know whether it committed.
            string? result;
            if (_group is not null) result = await _group.CommitAsync(write, returnsValue);
            else
            {
                await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
                if (returnsValue) result = (await _dialect.QueryAtomicAsync<string>(db, write.Batch, cancellationToken)).FirstOrDefault();
                else
                {
                    await _dialect.ExecuteAtomicAsync(db, write.Batch, cancellationToken);
                    result = null;
                }
            }
            return result;
        }
        catch (Exception e) when (_dialect.IsForeignKeyViolation(e))
        {
            throw new MetadataConstraintException("a blob the write names is not (or no longer) in the namespace", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_group is not null) await _group.DisposeAsync();
    }
}
