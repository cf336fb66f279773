using System.Linq.Expressions;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>A blob as the catalog knows it, and whether the asking namespace holds it.</summary>
public sealed record BlobLookup(StoredBlob? Blob, bool Granted);

/// <summary>A blob garbage collection may evict, in least-recently-used order.</summary>
public sealed record BlobCandidate(Sha256Digest Digest, long StoredSize, DateTimeOffset LastAccessAt);

/// <summary>A stored blob for the consistency checks: where its object is and when it was recorded.</summary>
public sealed record BlobLocation(Sha256Digest Digest, StorageKey Key, DateTimeOffset CreatedAt);

/// <summary>A blob whose row was deleted, and its object, for the caller to delete (none for an inline blob).</summary>
public sealed record DeletedBlob(StorageKey? ObjectKey);

/// <summary>How an eviction ended.</summary>
public enum EvictionOutcome { Evicted, NotHeld, Pinned }

/// <summary>
/// Owns the blobs and their namespace grants (<c>blobs</c>, <c>namespace_blobs</c>): which blobs exist,
/// where their objects are, and which namespaces may see them. Removing a grant removes, in the same
/// command, every entry of that namespace naming the blob as an output; an entry whose value it is
/// reads as incomplete from then on (see <see cref="EntryCatalog"/>). A blob row is deleted only while
/// no namespace holds it (the database refuses otherwise).
/// </summary>
public sealed class BlobCatalog
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;
    private readonly MetadataDialect _dialect;

    private readonly PresenceFilter _presence;
    private readonly string _heldSql;
    private readonly string _knownKeysSql;

    internal BlobCatalog(IDbContextFactory<CacheDbContext> contexts, MetadataDialect dialect, PresenceFilter presence)
    {
        _contexts = contexts;
        _dialect = dialect;
        _presence = presence;
        _heldSql = $$"""SELECT digest AS "Value" FROM namespace_blobs WHERE "namespace" = {0} AND {{dialect.InList("digest", 1)}}""";
        _knownKeysSql = $$"""SELECT storage_key AS "Value" FROM blobs WHERE {{dialect.InList("storage_key", 0)}}""";
    }

    // ---- reads -----------------------------------------------------------------------------------

    /// <summary>The blob, if stored anywhere, and whether the namespace holds it: one query.</summary>
    public async Task<BlobLookup> LookupAsync(NamespaceName ns, Sha256Digest digest, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var found = await db.Blobs.AsNoTracking()
            .Where(b => b.Digest == digest.Hex)
            .Select(WithoutContent)
            .Select(b => new { Blob = b, Granted = db.NamespaceBlobs.Any(g => g.Namespace == ns.Value && g.Digest == b.Digest) })
            .FirstOrDefaultAsync(cancellationToken);
        return found is null ? new BlobLookup(null, false) : new BlobLookup(ToStoredBlob(found.Blob), found.Granted);
    }

    /// <summary>The blob if the namespace holds it; null otherwise, whether or not it exists elsewhere.</summary>
    public async Task<StoredBlob?> FindVisibleAsync(NamespaceName ns, Sha256Digest digest, CancellationToken cancellationToken)
    {
        if (!_presence.MayHoldBlob(ns, digest)) return null;
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var blob = await (
            from grant in db.NamespaceBlobs
            join b in db.Blobs.Select(WithoutContent) on grant.Digest equals b.Digest
            where grant.Namespace == ns.Value && grant.Digest == digest.Hex
            select b).AsNoTracking().FirstOrDefaultAsync(cancellationToken);
        return blob is null ? null : ToStoredBlob(blob);
    }

    /// <summary>An inline blob's stored bytes; null when its row has gone or now describes other bytes (stored again, otherwise).</summary>
    public async Task<byte[]?> ReadInlineContentAsync(StoredBlob blob, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.Blobs.AsNoTracking()
            .Where(b => b.Digest == blob.Digest.Hex && b.Encoding == blob.Encoding && b.StoredSize == blob.StoredSize)
            .Select(b => b.Content).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>Which of the digests the namespace holds: one set-based query (the list travels as one parameter).</summary>
    public async Task<IReadOnlySet<string>> FindHeldAsync(NamespaceName ns, IReadOnlyCollection<string> digests, CancellationToken cancellationToken)
    {
        var list = _presence.IsActive
            ? digests.Where(d => !Sha256Digest.TryParse(d, out var digest) || _presence.MayHoldBlob(ns, digest)).ToArray()
            : digests as string[] ?? digests.ToArray();
        if (list.Length == 0) return new HashSet<string>();
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var held = await db.Database.SqlQueryRaw<string>(_heldSql, ns.Value, _dialect.ListParameter(list)).ToListAsync(cancellationToken);
        return held.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Everything an operator sees about one blob, across namespaces.</summary>
    public async Task<BlobInfo?> DescribeAsync(Sha256Digest digest, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var blob = await db.Blobs.AsNoTracking().FirstOrDefaultAsync(b => b.Digest == digest.Hex, cancellationToken);
        if (blob is null) return null;
        var namespaces = await db.NamespaceBlobs.AsNoTracking()
            .Where(g => g.Digest == digest.Hex)
            .OrderBy(g => g.Namespace)
            .Select(g => g.Namespace)
            .ToListAsync(cancellationToken);
        return new BlobInfo(blob.Digest, blob.Size, blob.StoredSize, blob.Encoding.ToString().ToLowerInvariant(),
            blob.CreatedAt, blob.LastAccessAt, blob.HitCount, namespaces);
    }

    // ---- writes ----------------------------------------------------------------------------------

    /// <summary>
    /// Records a newly stored blob and grants the namespace the blob, as part of <paramref name="write"/>:
    /// either its object (<see cref="StoredBlob.Key"/>) or, for an inline blob, its bytes (<paramref name="inlineContent"/>).
    /// When another upload registered the blob first, its row stays and this object is not referenced
    /// (the commit answers with the key that won).
    /// </summary>
    public void Register(MetadataWrite write, NamespaceName ns, StoredBlob blob, DateTimeOffset now, byte[]? inlineContent = null)
    {
        if (blob.IsInline != inlineContent is not null) throw new ArgumentException("an inline blob is registered with its bytes, any other without", nameof(inlineContent));
        var time = _dialect.Time(now);
        write.Batch.Add("""
            INSERT INTO blobs (digest, size, stored_size, encoding, storage_key, created_at, last_access_at, hit_count, content)
            VALUES ({0}, {1}, {2}, {3}, {4}, {5}, {5}, 0, {6}) ON CONFLICT (digest) DO NOTHING
            """, blob.Digest.Hex, blob.Size, blob.StoredSize, blob.Encoding.ToString(), blob.Key?.Value ?? "", time, inlineContent);
        Grant(write, ns, blob.Digest, now);
        if (!blob.IsInline) write.StorageKeyOf = blob.Digest; // an inline registration that loses leaves nothing behind
    }

    /// <summary>Grants the namespace a blob that is stored already, as part of <paramref name="write"/> (a no-op when it holds it).</summary>
    public void Grant(MetadataWrite write, NamespaceName ns, Sha256Digest digest, DateTimeOffset now)
    {
        write.Batch.Add("""
            INSERT INTO namespace_blobs ("namespace", digest, created_at) VALUES ({0}, {1}, {2})
            ON CONFLICT ("namespace", digest) DO NOTHING
            """, ns.Value, digest.Hex, _dialect.Time(now));
        // Before the write is sent: a reader that sees the committed grant must not be told "certainly not".
        _presence.AddBlob(ns.Value, digest.Hex);
    }

    /// <summary>Adds every grant to the filter (one streamed scan, at start).</summary>
    internal async Task LoadPresenceAsync(PresenceFilter filter, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var grants = db.NamespaceBlobs.AsNoTracking().Select(g => new { g.Namespace, g.Digest }).AsAsyncEnumerable();
        await foreach (var g in grants.WithCancellation(cancellationToken)) filter.AddBlob(g.Namespace, g.Digest);
    }

    /// <summary>Writes recorded hits and presence answers: counts added, last access moved forward only.</summary>
    public async Task RecordAccessAsync(IReadOnlyCollection<(string Digest, long Hits, DateTimeOffset LastAccess)> accesses, CancellationToken cancellationToken)
    {
        // In digest order, as the entries' flush: two replicas flushing the same blobs lock them in the same order.
        foreach (var chunk in accesses.OrderBy(a => a.Digest, StringComparer.Ordinal).Chunk(200))
        {
            var batch = new SqlBatch();
            foreach (var (digest, hits, lastAccess) in chunk)
            {
                var time = _dialect.Time(lastAccess);
                batch.Add("""
                    UPDATE blobs SET hit_count = hit_count + {0},
                        last_access_at = CASE WHEN last_access_at < {1} THEN {1} ELSE last_access_at END
                    WHERE digest = {2}
                    """, hits, time, digest);
            }
            await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
            await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken);
        }
    }

    /// <summary>
    /// Takes the blob from the namespace, with every entry there that names it as an output, atomically
    /// (entries whose value it is are incomplete from then on); other replicas are told through the change log. With <paramref name="notAccessedSince"/>, only when the
    /// blob has not been used since (a blob a client was just told is present stays).
    /// </summary>
    public async Task<EvictionOutcome> EvictAsync(NamespaceName ns, Sha256Digest digest, DateTimeOffset now, DateTimeOffset? notAccessedSince, CancellationToken cancellationToken)
    {
        // Each statement carries the same condition, so a use or a pin recorded meanwhile keeps the blob whole.
        var unused = notAccessedSince is null ? "" : "AND EXISTS (SELECT 1 FROM blobs WHERE digest = {1} AND last_access_at < {2})";
        var evictable = $$"""NOT EXISTS (SELECT 1 FROM artifact_files f WHERE f."namespace" = {0} AND f.digest = {1}) {{unused}}""";
        var cutoff = notAccessedSince is { } since ? _dialect.Time(since) : 0;
        var time = _dialect.Time(now);
        var batch = new SqlBatch();
        // Whatever the pin or the grace period says: a pin removed meanwhile could let the later statements delete.
        LockEntriesNaming(batch, "\"namespace\" = {0} AND digest = {1}", ns.Value, digest.Hex);
        batch.Add($$"""
            INSERT INTO metadata_changes (at, "namespace", kind, "key")
            SELECT {3}, r."namespace", 'entry', r.kind || ':' || r."key" FROM entry_references r
            WHERE r."namespace" = {0} AND r.digest = {1} AND {{evictable}}
            """, ns.Value, digest.Hex, cutoff, time);
        batch.Add($$"""
            DELETE FROM cache_entries WHERE "namespace" = {0} AND (kind, "key") IN
                (SELECT kind, "key" FROM entry_references WHERE "namespace" = {0} AND digest = {1}) AND {{evictable}}
            """, ns.Value, digest.Hex, cutoff);
        batch.Add($$"""
            INSERT INTO metadata_changes (at, "namespace", kind, "key")
            SELECT {3}, "namespace", 'blob', digest FROM namespace_blobs WHERE "namespace" = {0} AND digest = {1} AND {{evictable}}
            """, ns.Value, digest.Hex, cutoff, time);
        batch.Add($$"""DELETE FROM namespace_blobs WHERE "namespace" = {0} AND digest = {1} AND {{evictable}}""", ns.Value, digest.Hex, cutoff);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        if (await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken) > 0) return EvictionOutcome.Evicted;
        // Nothing changed: tell a pinned blob from one the namespace does not hold (or used within the grace period).
        var pinned = await db.ArtifactFiles.AnyAsync(f => f.Namespace == ns.Value && f.Digest == digest.Hex, cancellationToken);
        return pinned ? EvictionOutcome.Pinned : EvictionOutcome.NotHeld;
    }

    /// <summary>
    /// Deletes the blob's row when no namespace holds it (and, with <paramref name="notAccessedSince"/>,
    /// it has not been used since). Returns the deleted blob, whose object the caller deletes; null when
    /// the row stays. A grant racing the delete wins: the database refuses to delete a held blob.
    /// </summary>
    public async Task<DeletedBlob?> DeleteIfUnheldAsync(Sha256Digest digest, DateTimeOffset? notAccessedSince, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var (unused, cutoff) = notAccessedSince is { } since ? ("last_access_at < {1}", _dialect.Time(since)) : ("1 = 1", (object)0);
        try
        {
            var delete = new SqlBatch().Add($$"""
                DELETE FROM blobs WHERE digest = {0} AND size > 0 AND {{unused}}
                    AND NOT EXISTS (SELECT 1 FROM namespace_blobs WHERE digest = {0})
                RETURNING storage_key AS "Value"
                """, digest.Hex, cutoff);
            var keys = await _dialect.QueryAtomicAsync<string>(db, delete, cancellationToken);
            return keys.Count == 0 ? null : new DeletedBlob(ObjectKey(keys[0]));
        }
        catch (Exception e) when (_dialect.IsForeignKeyViolation(e))
        {
            return null;
        }
    }

    /// <summary>
    /// The blob's object is gone (a crash, a hand-deleted file): forget the blob everywhere at once,
    /// with the entries naming it as an output (those whose value it is are incomplete from then on), so presence checks stop calling it present and the next upload
    /// stores it again. Only while the row still names <paramref name="missing"/>: a blob stored anew
    /// meanwhile stays. Returns whether anything was forgotten.
    /// </summary>
    public async Task<bool> ForgetAsync(Sha256Digest digest, StorageKey missing, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var batch = new SqlBatch();
        const string stillMissing = "EXISTS (SELECT 1 FROM blobs WHERE digest = {0} AND storage_key = {1})";
        LockEntriesNaming(batch, $"digest = {{0}} AND {stillMissing}", digest.Hex, missing.Value);
        batch.Add($$"""
            INSERT INTO metadata_changes (at, "namespace", kind, "key")
            SELECT {2}, r."namespace", 'entry', r.kind || ':' || r."key" FROM entry_references r WHERE r.digest = {0} AND {{stillMissing}}
            """, digest.Hex, missing.Value, _dialect.Time(now));
        batch.Add($$"""
            DELETE FROM cache_entries WHERE ("namespace", kind, "key") IN
                (SELECT "namespace", kind, "key" FROM entry_references WHERE digest = {0}) AND {{stillMissing}}
            """, digest.Hex, missing.Value);
        batch.Add($$"""
            INSERT INTO metadata_changes (at, "namespace", kind, "key")
            SELECT {2}, "namespace", 'blob', digest FROM namespace_blobs WHERE digest = {0} AND {{stillMissing}}
            """, digest.Hex, missing.Value, _dialect.Time(now));
        batch.Add($$"""DELETE FROM namespace_blobs WHERE digest = {0} AND {{stillMissing}}""", digest.Hex, missing.Value);
        batch.Add("""DELETE FROM blobs WHERE digest = {0} AND storage_key = {1}""", digest.Hex, missing.Value);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken) > 0;
    }

    // ---- garbage collection ----------------------------------------------------------------------

    /// <summary>Stored bytes of all blobs.</summary>
    public async Task<long> TotalStoredBytesAsync(CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.Blobs.SumAsync(b => b.StoredSize, cancellationToken);
    }

    /// <summary>
    /// The namespace's (or, without one, any namespace's) least recently used blobs not used since
    /// <paramref name="cutoff"/>, after <paramref name="after"/> in that order, leaving out blobs pinned
    /// by artifact versions.
    /// </summary>
    public async Task<IReadOnlyList<BlobCandidate>> LeastRecentlyUsedAsync(NamespaceName? ns, DateTimeOffset cutoff, BlobCandidate? after, int take, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var blobs = db.Blobs.AsNoTracking().Where(b => b.Size > 0 && b.LastAccessAt < cutoff);
        if (ns is { } name)
        {
            blobs = blobs.Where(b => db.NamespaceBlobs.Any(g => g.Namespace == name.Value && g.Digest == b.Digest)
                && !db.ArtifactFiles.Any(f => f.Namespace == name.Value && f.Digest == b.Digest));
        }
        else
        {
            blobs = blobs.Where(b => !db.ArtifactFiles.Any(f => f.Digest == b.Digest));
        }
        if (after is not null)
        {
            var (at, digest) = (after.LastAccessAt, after.Digest.Hex);
            blobs = blobs.Where(b => b.LastAccessAt > at || (b.LastAccessAt == at && string.Compare(b.Digest, digest) > 0));
        }
        var rows = await blobs.OrderBy(b => b.LastAccessAt).ThenBy(b => b.Digest).Take(take)
            .Select(b => new { b.Digest, b.StoredSize, b.LastAccessAt }).ToListAsync(cancellationToken);
        return rows.Select(r => new BlobCandidate(Sha256Digest.Parse(r.Digest), r.StoredSize, r.LastAccessAt)).ToList();
    }

    /// <summary>The namespaces holding the blob.</summary>
    public async Task<IReadOnlyList<NamespaceName>> HoldersAsync(Sha256Digest digest, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var names = await db.NamespaceBlobs.AsNoTracking().Where(g => g.Digest == digest.Hex).OrderBy(g => g.Namespace).Select(g => g.Namespace).ToListAsync(cancellationToken);
        return names.Select(NamespaceName.Parse).ToList();
    }

    /// <summary>Every blob the namespace holds (for deleting a namespace), in digest order after <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<Sha256Digest>> HeldByAsync(NamespaceName ns, string? after, int take, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var digests = await db.NamespaceBlobs.AsNoTracking()
            .Where(g => g.Namespace == ns.Value && (after == null || string.Compare(g.Digest, after) > 0))
            .OrderBy(g => g.Digest).Take(take).Select(g => g.Digest).ToListAsync(cancellationToken);
        return digests.Select(Sha256Digest.Parse).ToList();
    }

    /// <summary>Blobs no namespace holds (a crash between storing and granting, or a delete cut short), recorded before <paramref name="cutoff"/>.</summary>
    public async Task<IReadOnlyList<Sha256Digest>> UnheldAsync(DateTimeOffset cutoff, int take, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var digests = await db.Blobs.AsNoTracking()
            .Where(b => b.Size > 0 && b.LastAccessAt < cutoff && !db.NamespaceBlobs.Any(g => g.Digest == b.Digest))
            .OrderBy(b => b.Digest).Take(take).Select(b => b.Digest).ToListAsync(cancellationToken);
        return digests.Select(Sha256Digest.Parse).ToList();
    }

    /// <summary>Which of the listed storage keys the metadata names (for the orphan sweep).</summary>
    public async Task<IReadOnlySet<string>> KnownKeysAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var known = await db.Database.SqlQueryRaw<string>(_knownKeysSql, _dialect.ListParameter(keys)).ToListAsync(cancellationToken);
        return known.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Blobs stored as objects (not inline), in digest order after <paramref name="after"/> (for the check that every object exists).</summary>
    public async Task<IReadOnlyList<BlobLocation>> LocationsAsync(string? after, int take, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Blobs.AsNoTracking()
            .Where(b => b.Size > 0 && b.StorageKey != "" && (after == null || string.Compare(b.Digest, after) > 0))
            .OrderBy(b => b.Digest).Take(take)
            .Select(b => new { b.Digest, b.StorageKey, b.CreatedAt }).ToListAsync(cancellationToken);
        return rows.Select(r => new BlobLocation(Sha256Digest.Parse(r.Digest), StorageKey.ParseBlob(r.StorageKey), r.CreatedAt)).ToList();
    }

    // The entries naming a blob are deleted with its grant, judged by their references. Where writers run
    // concurrently, they are locked first (in key order, as elsewhere): an entry written again meanwhile is then
    // judged by the references its write left, not deleted by the older ones (see MetadataDialect.LockRows).
    private void LockEntriesNaming(SqlBatch batch, string referenceCondition, params object[] parameters)
    {
        var lockRows = _dialect.LockRows($$"""
            SELECT 1 FROM cache_entries WHERE ("namespace", kind, "key") IN
                (SELECT "namespace", kind, "key" FROM entry_references WHERE {{referenceCondition}})
            ORDER BY "namespace", kind, "key"
            """);
        if (lockRows is not null) batch.Add(lockRows, parameters);
    }

    /// <summary>A blob row without an inline blob's bytes, which a lookup does not need (<see cref="InlineContents"/> reads them for a hit).</summary>
    internal static readonly Expression<Func<BlobRecord, BlobRecord>> WithoutContent = b => new BlobRecord
    {
        Digest = b.Digest, Size = b.Size, StoredSize = b.StoredSize, Encoding = b.Encoding, StorageKey = b.StorageKey,
        CreatedAt = b.CreatedAt, LastAccessAt = b.LastAccessAt, HitCount = b.HitCount,
    };

    internal static StoredBlob ToStoredBlob(BlobRecord blob) => blob.Size == 0
        ? StoredBlob.Empty
        : new StoredBlob(Sha256Digest.Parse(blob.Digest), blob.Size, blob.StoredSize, blob.Encoding, ObjectKey(blob.StorageKey));

    /// <summary>The key of a blob's object as its row records it; an inline blob's row records none.</summary>
    internal static StorageKey? ObjectKey(string storageKey) => storageKey.Length == 0 ? null : StorageKey.ParseBlob(storageKey);
}
