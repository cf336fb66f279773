using System.Text.Json;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Metadata;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Core;

/// <summary>
/// Keyed entries (Bazel's action cache and the opaque-key protocols): a key in a namespace maps to a
/// value stored as a blob, deduplicated like any other content, plus optional protocol metadata.
/// </summary>
public sealed class EntryStore(
    IDbContextFactory<CacheDbContext> contexts,
    BlobIngestor ingestor,
    BlobCatalog catalog,
    ContentStore content,
    AccessTracker access,
    LookupCache lookups,
    CacheStatistics statistics,
    IOptions<CacheLimitsOptions> limits,
    TimeProvider clock)
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    public async Task<FoundEntry?> FindAsync(EntryAddress address, CancellationToken cancellationToken)
    {
        if (lookups.TryGetEntry(address, out var cached))
        {
            statistics.RecordLookup(ProtocolName(address.Kind), address.Namespace, hit: true);
            access.RecordEntryHit(address);
            return cached;
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var found = await (
            from entry in db.CacheEntries
            join value in db.Blobs on entry.ValueDigest equals value.Digest
            where entry.Namespace == address.Namespace.Value && entry.Kind == address.Kind && entry.Key == address.Key
            select new { value, entry.Metadata }).AsNoTracking().FirstOrDefaultAsync(cancellationToken);

        statistics.RecordLookup(ProtocolName(address.Kind), address.Namespace, found is not null);
        if (found is null) return null;
        access.RecordEntryHit(address);
        var result = new FoundEntry(StoredBlob.From(found.value), ParseMetadata(found.Metadata));
        lookups.AddEntry(address, result);
        return result;
    }

    /// <summary>Which of the keys exist, with their values' sizes and metadata (no hits recorded: nothing is read).</summary>
    public async Task<IReadOnlyDictionary<string, FoundEntry>> FindManyAsync(NamespaceName ns, EntryKind kind, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, FoundEntry>(StringComparer.Ordinal);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        foreach (var chunk in keys.Distinct().Chunk(500))
        {
            var found = await (
                from entry in db.CacheEntries
                join value in db.Blobs on entry.ValueDigest equals value.Digest
                where entry.Namespace == ns.Value && entry.Kind == kind && chunk.Contains(entry.Key)
                select new { entry.Key, value, entry.Metadata }).AsNoTracking().ToListAsync(cancellationToken);
            foreach (var f in found) result[f.Key] = new FoundEntry(StoredBlob.From(f.value), ParseMetadata(f.Metadata));
        }
        return result;
    }

    /// <summary>Stores the value under the address.</summary>
    /// <returns>True when the entry is new, false when it replaced one.</returns>
    public async Task<bool> PutAsync(EntryAddress address, Stream body, UploadEncoding encoding,
        IReadOnlyDictionary<string, string>? metadata, EntryWriteMode mode, CancellationToken cancellationToken)
    {
        if (mode == EntryWriteMode.CreateOnly && await ExistsAsync(address, cancellationToken)) throw Conflict(address);

        var maxSize = address.Kind == EntryKind.Action ? limits.Value.MaxActionEntryBytes : limits.Value.MaxBlobBytes;
        // Action results name the blobs they use: found while the value streams in, no second read.
        var scanner = address.Kind == EntryKind.Action ? new DigestScanner() : null;
        await using var upload = await ingestor.IngestAsync(body, encoding, maxSize, keepContent: true, cancellationToken, scanner);
        var alreadyStored = await catalog.FindAsync(upload.Digest, cancellationToken) is not null;
        await content.CommitAsync(address.Namespace, alreadyStored ? upload with { Staged = null } : upload, cancellationToken);

        var metadataJson = metadata is { Count: > 0 } ? JsonSerializer.Serialize(metadata) : null;
        var created = await WriteEntryAsync(address, upload.Digest.Hex, metadataJson, mode, cancellationToken);
        lookups.InvalidateEntry(address);
        if (scanner is not null) await RecordReferencesAsync(address, scanner.Finish().Where(d => d != upload.Digest.Hex).ToList(), cancellationToken);
        statistics.RecordWrite(ProtocolName(address.Kind), address.Namespace);
        return created;
    }

    /// <summary>Removes the entry (its value blob stays, for other references and for garbage collection).</summary>
    public async Task<bool> DeleteAsync(EntryAddress address, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var deleted = await Matching(db, address).ExecuteDeleteAsync(cancellationToken) > 0;
        lookups.InvalidateEntry(address);
        return deleted;
    }

    /// <summary>
    /// Remembers which blobs an action result names (any 64-hex digest in it: that covers Bazel's
    /// ActionResult protobuf and cache exec's JSON manifest), so garbage collection removes the entry
    /// before any of them.
    /// </summary>
    private async Task RecordReferencesAsync(EntryAddress address, IReadOnlyList<string> digests, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.EntryReferences.Where(r => r.Namespace == address.Namespace.Value && r.Kind == address.Kind && r.Key == address.Key).ExecuteDeleteAsync(cancellationToken);
        if (digests.Count == 0) return;
        db.EntryReferences.AddRange(digests.Select(d => new EntryReference { Namespace = address.Namespace.Value, Kind = address.Kind, Key = address.Key, Digest = d }));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // A concurrent write of the same entry recorded its own references; the latest write wins.
        }
    }

    public static string ProtocolName(EntryKind kind) => kind == EntryKind.Action ? "ac" : kind.ToString().ToLowerInvariant();

    private async Task<bool> ExistsAsync(EntryAddress address, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await Matching(db, address).AnyAsync(cancellationToken);
    }

    private async Task<bool> WriteEntryAsync(EntryAddress address, string valueDigest, string? metadata, EntryWriteMode mode, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            if (mode == EntryWriteMode.Overwrite)
            {
                var updated = await Matching(db, address).ExecuteUpdateAsync(set => set
                    .SetProperty(e => e.ValueDigest, valueDigest)
                    .SetProperty(e => e.Metadata, metadata)
                    .SetProperty(e => e.UpdatedAt, now), cancellationToken);
                if (updated > 0) return false;
            }

            db.CacheEntries.Add(new CacheEntry
            {
                Namespace = address.Namespace.Value, Kind = address.Kind, Key = address.Key, ValueDigest = valueDigest,
                Metadata = metadata, CreatedAt = now, UpdatedAt = now, LastAccessAt = now,
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return true;
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                // Another writer inserted the entry first: overwrite it, or refuse when that is not allowed.
                db.ChangeTracker.Clear();
                if (mode == EntryWriteMode.CreateOnly) throw Conflict(address);
            }
        }
    }

    private static IQueryable<CacheEntry> Matching(CacheDbContext db, EntryAddress address) =>
        db.CacheEntries.Where(e => e.Namespace == address.Namespace.Value && e.Kind == address.Kind && e.Key == address.Key);

    private static CacheRequestException Conflict(EntryAddress address) =>
        new(StatusCodes.Status409Conflict, $"entry {address.Key} exists already and cannot be overwritten");

    private static IReadOnlyDictionary<string, string> ParseMetadata(string? json) =>
        json is null ? NoMetadata : JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? NoMetadata;
}
