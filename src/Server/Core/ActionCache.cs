using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Metadata;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Core;

/// <summary>
/// The action cache: client-chosen keys mapped to opaque values. Values are stored as blobs in the
/// namespace (deduplicated like any other content); the entry records which blob holds the value.
/// </summary>
public sealed class ActionCache(
    IDbContextFactory<CacheDbContext> contexts,
    BlobIngestor ingestor,
    BlobCatalog catalog,
    ContentStore content,
    AccessTracker access,
    IOptions<CacheLimitsOptions> limits,
    TimeProvider clock)
{
    public async Task<StoredBlob?> FindAsync(NamespaceName ns, Sha256Digest key, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var blob = await (
            from entry in db.ActionEntries
            join value in db.Blobs on entry.ValueDigest equals value.Digest
            where entry.Namespace == ns.Value && entry.Key == key.Hex
            select value).AsNoTracking().FirstOrDefaultAsync(cancellationToken);
        if (blob is null) return null;
        access.RecordActionHit(ns, key);
        return StoredBlob.From(blob);
    }

    /// <summary>Stores the value under the key; the latest write wins.</summary>
    public async Task PutAsync(NamespaceName ns, Sha256Digest key, Stream body, UploadEncoding encoding, CancellationToken cancellationToken)
    {
        await using var upload = await ingestor.IngestAsync(body, encoding, limits.Value.MaxActionEntryBytes, keepContent: true, cancellationToken);
        var alreadyStored = await catalog.FindAsync(upload.Digest, cancellationToken) is not null;
        await content.CommitAsync(ns, alreadyStored ? upload with { Staged = null } : upload, cancellationToken);
        await UpsertEntryAsync(ns, key, upload.Digest, cancellationToken);
    }

    private async Task UpsertEntryAsync(NamespaceName ns, Sha256Digest key, Sha256Digest value, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var updated = await db.ActionEntries
                .Where(e => e.Namespace == ns.Value && e.Key == key.Hex)
                .ExecuteUpdateAsync(set => set.SetProperty(e => e.ValueDigest, value.Hex).SetProperty(e => e.UpdatedAt, now), cancellationToken);
            if (updated > 0) return;

            db.ActionEntries.Add(new ActionEntry
            {
                Namespace = ns.Value, Key = key.Hex, ValueDigest = value.Hex,
                CreatedAt = now, UpdatedAt = now, LastAccessAt = now,
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return;
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                // Another writer inserted the entry between our update and insert: update it instead.
                db.ChangeTracker.Clear();
            }
        }
    }
}
