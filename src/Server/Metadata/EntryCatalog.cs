using System.Text.Json;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Namespaces;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>An entry as stored: its value and metadata, and whether every blob it names is still there.</summary>
public sealed record EntryLookup(FoundEntry Entry, bool Complete);

/// <summary>The entry a write replaces: its value, metadata, and whether every blob it names is still there.</summary>
public sealed record ExistingEntry(string ValueDigest, string? Metadata, bool Complete);

/// <summary>What writing an entry needs to know: the value blob (if stored anywhere) and the entry replaced.</summary>
public sealed record EntryWritePlan(StoredBlob? ValueBlob, ExistingEntry? Existing);

/// <summary>
/// Owns the keyed entries and their references (<c>cache_entries</c>, <c>entry_references</c>). An entry
/// needs its value and the blobs it names besides (the outputs an action result lists) to be held by its
/// namespace. The value is held through the namespace's grant of it, written in the same commit as the
/// entry; each other blob is a reference, which the database refuses for a blob the namespace does not
/// hold and drops when the blob leaves the namespace. An entry whose value the namespace no longer
/// holds, or with fewer references than it was written with, is incomplete: it reads as a miss and is
/// removed (by that read, or by garbage collection's sweep).
/// </summary>
public sealed class EntryCatalog
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();
    private static readonly EntryWritePlan NothingStored = new(null, null);

    private readonly IDbContextFactory<CacheDbContext> _contexts;
    private readonly MetadataDialect _dialect;
    private readonly PresenceFilter _presence;
    private readonly string _findManySql;

    internal EntryCatalog(IDbContextFactory<CacheDbContext> contexts, MetadataDialect dialect, PresenceFilter presence)
    {
        _contexts = contexts;
        _dialect = dialect;
        _presence = presence;
        _findManySql = FindManySql(dialect);
    }

    /// <summary>Adds every stored entry's address to the filter (one streamed scan, at start).</summary>
    internal async Task LoadPresenceAsync(PresenceFilter filter, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var addresses = db.CacheEntries.AsNoTracking().Select(e => new { e.Namespace, e.Kind, e.Key }).AsAsyncEnumerable();
        await foreach (var e in addresses.WithCancellation(cancellationToken)) filter.AddEntry(e.Namespace, e.Kind.ToString(), e.Key);
    }

    /// <summary>The entry with its value, or null; one query.</summary>
    public async Task<EntryLookup?> FindAsync(EntryAddress address, CancellationToken cancellationToken)
    {
        if (!_presence.MayHoldEntry(address)) return null;
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var found = await (
            from entry in db.CacheEntries
            join value in db.Blobs.Select(BlobCatalog.WithoutContent) on entry.ValueDigest equals value.Digest
            where entry.Namespace == address.Namespace.Value && entry.Kind == address.Kind && entry.Key == address.Key
            select new
            {
                value,
                entry.Metadata,
                entry.ReferenceCount,
                ValueHeld = entry.ValueDigest == EmptyDigest || db.NamespaceBlobs.Any(g => g.Namespace == entry.Namespace && g.Digest == entry.ValueDigest),
                References = db.EntryReferences.Where(r => r.Namespace == entry.Namespace && r.Kind == entry.Kind && r.Key == entry.Key).Select(r => r.Digest).ToList(),
            }).AsNoTracking().FirstOrDefaultAsync(cancellationToken);
        if (found is null) return null;
        var outputs = found.References.Where(d => d != found.value.Digest).Select(Sha256Digest.Parse).ToList();
        return new EntryLookup(new FoundEntry(BlobCatalog.ToStoredBlob(found.value), ParseMetadata(found.Metadata), outputs),
            found.ValueHeld && found.References.Count >= found.ReferenceCount);
    }

    /// <summary>Which of the keys exist, complete, with their values' digests and sizes and their metadata; one query.</summary>
    public async Task<IReadOnlyDictionary<string, PresentEntry>> FindManyAsync(NamespaceName ns, EntryKind kind, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var list = keys.Distinct().Where(key => _presence.MayHoldEntry(new EntryAddress(ns, kind, key))).ToArray();
        if (list.Length == 0) return new Dictionary<string, PresentEntry>();
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var found = await db.Database.SqlQueryRaw<PresentEntryRow>(_findManySql, ns.Value, kind.ToString(), _dialect.ListParameter(list), Sha256Digest.Empty.Hex)
            .ToListAsync(cancellationToken);
        return found.ToDictionary(f => f.Key, f => new PresentEntry(Sha256Digest.Parse(f.ValueDigest), f.Size, ParseMetadata(f.Metadata)), StringComparer.Ordinal);
    }

    // 500 keys on SQLite, as written in LINQ (keys IN the list, references counted): 2.8 ms, where its SQL
    // alone took 1.9 ms; counting references took 2.5 ms where this lookup takes 1.4; IN the list 2.0 ms where
    // the keys drive the lookups (MetadataDialect.RowsInList) in 1.3.
    // The value's size is the entry's own (no blob row read: an inline blob's row holds its bytes too); 0 for a
    // non-empty value means a server from before value_size wrote the entry (a rolling upgrade): the blob row says.
    // Complete: the namespace holds the value, and every reference the entry was written with is still there.
    // An entry naming only its value (every protocol's but an action result's) has no references: one point lookup.
    private static string FindManySql(MetadataDialect dialect) => $$"""
        SELECT c."key" AS "Key", c.value_digest AS "ValueDigest",
            CASE WHEN c.value_size > 0 OR c.value_digest = {3} THEN c.value_size
                ELSE COALESCE((SELECT b.size FROM blobs b WHERE b.digest = c.value_digest), 0) END AS "Size", c.metadata AS "Metadata"
        FROM {{dialect.RowsInList("cache_entries", "c", "\"key\"", 2)}}
        WHERE c."namespace" = {0} AND c.kind = {1}
            AND NOT {{ValueNotHeld("c")}}
            AND (c.reference_count = 0 OR NOT {{ReferenceMissing("c")}})
        """;

    /// <summary>
    /// What a write of <paramref name="value"/> under the address needs to know, in one query: whether
    /// the value blob is stored, and the entry it would replace.
    /// </summary>
    public async Task<EntryWritePlan> PlanWriteAsync(EntryAddress address, Sha256Digest value, CancellationToken cancellationToken)
    {
        // A new key with new content (a build's outputs): no query. Were the blob stored for another
        // namespace after all, storing it again finds the stored copy and keeps that one (BlobWriter).
        if (!value.IsEmpty && !_presence.MayHoldEntry(address) && !_presence.MayHoldBlob(address.Namespace, value)) return NothingStored;
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var row = (await db.Database.SqlQueryRaw<WritePlanRow>(WritePlanSql, address.Namespace.Value, address.Kind.ToString(), address.Key, value.Hex).ToListAsync(cancellationToken)).Single();
        var blob = row.ValueKey is null ? null
            : row.ValueSize == 0 ? StoredBlob.Empty
            : new StoredBlob(value, row.ValueSize ?? 0, row.ValueStoredSize ?? 0, Enum.Parse<BlobEncoding>(row.ValueEncoding!), BlobCatalog.ObjectKey(row.ValueKey));
        var existing = row.ExistingValue is null ? null : new ExistingEntry(row.ExistingValue, row.ExistingMetadata, row.ExistingComplete == 1);
        return new EntryWritePlan(blob, existing);
    }

    private static readonly string WritePlanSql = $$"""
        SELECT b.storage_key AS "ValueKey", b.size AS "ValueSize", b.stored_size AS "ValueStoredSize", b.encoding AS "ValueEncoding",
            e.value_digest AS "ExistingValue", e.metadata AS "ExistingMetadata",
            CASE WHEN {{Incomplete("e")}} THEN 0 ELSE 1 END AS "ExistingComplete"
        FROM (SELECT 1 AS one) AS single
        LEFT JOIN blobs b ON b.digest = {3}
        LEFT JOIN cache_entries e ON e."namespace" = {0} AND e.kind = {1} AND e."key" = {2}
        """;

    /// <summary>
    /// Writes the entry and its references, as part of <paramref name="write"/>: <paramref name="write"/> must
    /// grant the namespace the value (the entry is incomplete without it), and every digest in
    /// <paramref name="references"/> must be held by the namespace when the write commits, or the database
    /// refuses it. <paramref name="replaces"/> says whether an entry was there (other replicas then forget their copy).
    /// </summary>
    public void Put(MetadataWrite write, EntryAddress address, Sha256Digest value, long valueSize, string? metadata, IReadOnlyCollection<string> references,
        EntryWriteMode mode, bool replaces, DateTimeOffset now)
    {
        // The value is held through its grant, not a reference: one row fewer per write, in a table indexed twice.
        var needs = references.Where(d => d != value.Hex && d != EmptyDigest).Distinct(StringComparer.Ordinal).ToList();
        if (needs.Count > 0 && address.Kind != EntryKind.Action) throw new ArgumentException("only an action result names blobs besides its value", nameof(references));
        var time = _dialect.Time(now);
        var (ns, kind, key) = (address.Namespace.Value, address.Kind.ToString(), address.Key);
        var onConflict = mode == EntryWriteMode.Overwrite
            ? """
              DO UPDATE SET value_digest = excluded.value_digest, value_size = excluded.value_size, metadata = excluded.metadata, reference_count = excluded.reference_count,
                  updated_at = excluded.updated_at, last_access_at = excluded.last_access_at
              """
            : "DO NOTHING";
        write.Batch.Add($$"""
            INSERT INTO cache_entries ("namespace", kind, "key", value_digest, value_size, metadata, reference_count, created_at, updated_at, last_access_at, hit_count)
            VALUES ({0}, {1}, {2}, {3}, {7}, {4}, {5}, {6}, {6}, {6}, 0)
            ON CONFLICT ("namespace", kind, "key") {{onConflict}}
            """, ns, kind, key, value.Hex, metadata, needs.Count, time, valueSize);
        _presence.AddEntry(ns, kind, key); // before the write is sent, like a grant (BlobCatalog.Grant)
        // Only an action result names blobs besides its value, so only an action result has references to replace.
        if (mode == EntryWriteMode.Overwrite && address.Kind == EntryKind.Action)
        {
            write.Batch.Add("""DELETE FROM entry_references WHERE "namespace" = {0} AND kind = {1} AND "key" = {2}""", ns, kind, key);
        }
        if (needs.Count > 0)
        {
            // The foreign key to the namespace's grant refuses a reference the namespace cannot satisfy.
            var rows = string.Join(", ", needs.Select((_, i) => $"({{0}}, {{1}}, {{2}}, {{{i + 3}}})"));
            write.Batch.Add($$"""
                INSERT INTO entry_references ("namespace", kind, "key", digest) VALUES {{rows}}
                ON CONFLICT DO NOTHING
                """, [ns, kind, key, .. needs]);
        }
        if (replaces) AppendChange(write.Batch, address, time);
    }

    /// <summary>Removes the entry (its blobs stay, for other entries and for garbage collection).</summary>
    public async Task<bool> DeleteAsync(EntryAddress address, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var batch = new SqlBatch();
        AppendChange(batch, address, _dialect.Time(now));
        batch.Add("""DELETE FROM cache_entries WHERE "namespace" = {0} AND kind = {1} AND "key" = {2}""", address.Namespace.Value, address.Kind.ToString(), address.Key);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken) > 1;
    }

    /// <summary>
    /// Removes the namespace's entries whose value is <paramref name="value"/>; returns how many. It reads every
    /// entry of the namespace (no index leads from a value to its entries: each would cost every write), so it is
    /// for removals by hand; garbage collection leaves such entries incomplete and sweeps them.
    /// </summary>
    public async Task<int> RemoveWithValueAsync(NamespaceName ns, Sha256Digest value, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var batch = new SqlBatch();
        batch.Add("""
            INSERT INTO metadata_changes (at, "namespace", kind, "key")
            SELECT {2}, "namespace", 'entry', kind || ':' || "key" FROM cache_entries WHERE "namespace" = {0} AND value_digest = {1}
            """, ns.Value, value.Hex, _dialect.Time(now));
        batch.Add("""DELETE FROM cache_entries WHERE "namespace" = {0} AND value_digest = {1}""", ns.Value, value.Hex);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken) / 2;
    }

    /// <summary>Removes the entry if it is (still) incomplete: a blob it names has gone. Called by a read that found it so.</summary>
    public Task RemoveIfIncompleteAsync(EntryAddress address, DateTimeOffset now, CancellationToken cancellationToken) =>
        RemoveIfIncompleteAsync([new EntryKeyRow { Namespace = address.Namespace.Value, Kind = address.Kind.ToString(), Key = address.Key }], now, cancellationToken);

    /// <summary>Removes every incomplete entry (garbage collection's sweep); returns how many.</summary>
    public async Task<int> RemoveIncompleteAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        List<EntryKeyRow> incomplete;
        await using (var db = await _contexts.CreateDbContextAsync(cancellationToken))
        {
            incomplete = await db.Database.SqlQueryRaw<EntryKeyRow>(IncompleteEntries).ToListAsync(cancellationToken);
        }
        var removed = 0;
        foreach (var chunk in incomplete.Chunk(200)) removed += await RemoveIfIncompleteAsync(chunk, now, cancellationToken);
        return removed;
    }

    // Each entry is judged again as it is removed: it may have been written again since it was found
    // incomplete (a client rebuilt it). Where writers run concurrently it is locked first, by its key,
    // so that the statements after the lock see it as its last write left it (see MetadataDialect.LockRows).
    private async Task<int> RemoveIfIncompleteAsync(IReadOnlyCollection<EntryKeyRow> candidates, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var batch = new SqlBatch();
        var time = _dialect.Time(now);
        var lockRow = _dialect.LockRows("""SELECT 1 FROM cache_entries WHERE "namespace" = {0} AND kind = {1} AND "key" = {2}""");
        foreach (var entry in candidates)
        {
            if (lockRow is not null) batch.Add(lockRow, entry.Namespace, entry.Kind, entry.Key);
            batch.Add($$"""
                INSERT INTO metadata_changes (at, "namespace", kind, "key")
                SELECT {3}, e."namespace", 'entry', e.kind || ':' || e."key" FROM cache_entries e
                WHERE e."namespace" = {0} AND e.kind = {1} AND e."key" = {2} AND {{Incomplete("e")}}
                """, entry.Namespace, entry.Kind, entry.Key, time);
            batch.Add($$"""
                DELETE FROM cache_entries WHERE "namespace" = {0} AND kind = {1} AND "key" = {2} AND {{Incomplete("cache_entries")}}
                """, entry.Namespace, entry.Kind, entry.Key);
        }
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken) / 2;
    }

    /// <summary>Removes the namespace's entries not used since <paramref name="cutoff"/> (or all of them, without one); returns how many.</summary>
    public async Task<int> RemoveUnusedAsync(NamespaceName ns, DateTimeOffset? cutoff, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (unused, since) = cutoff is { } c ? ("last_access_at < {1}", _dialect.Time(c)) : ("1 = 1", (object)0);
        var batch = new SqlBatch();
        batch.Add($$"""
            INSERT INTO metadata_changes (at, "namespace", kind, "key")
            SELECT {2}, "namespace", 'entry', kind || ':' || "key" FROM cache_entries WHERE "namespace" = {0} AND {{unused}}
            """, ns.Value, since, _dialect.Time(now));
        batch.Add($$"""DELETE FROM cache_entries WHERE "namespace" = {0} AND {{unused}}""", ns.Value, since);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken) / 2;
    }

    /// <summary>Writes recorded hits: counts added, last access moved forward only.</summary>
    public async Task RecordAccessAsync(IReadOnlyCollection<(EntryAddress Address, long Hits, DateTimeOffset LastAccess)> accesses, CancellationToken cancellationToken)
    {
        // In key order, as every statement that locks several entries: two flushes (replicas) never wait for each
        // other in a cycle; where a statement's order differs (a collation, a scan), PostgresDialect runs the loser again.
        var ordered = accesses.OrderBy(a => a.Address.Namespace.Value, StringComparer.Ordinal).ThenBy(a => a.Address.Kind.ToString(), StringComparer.Ordinal)
            .ThenBy(a => a.Address.Key, StringComparer.Ordinal);
        foreach (var chunk in ordered.Chunk(200))
        {
            var batch = new SqlBatch();
            foreach (var (address, hits, lastAccess) in chunk)
            {
                batch.Add("""
                    UPDATE cache_entries SET hit_count = hit_count + {0},
                        last_access_at = CASE WHEN last_access_at < {1} THEN {1} ELSE last_access_at END
                    WHERE "namespace" = {2} AND kind = {3} AND "key" = {4}
                    """, hits, _dialect.Time(lastAccess), address.Namespace.Value, address.Kind.ToString(), address.Key);
            }
            await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
            await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken);
        }
    }

    private const string EmptyDigest = Sha256Digest.EmptyHex;

    private static string Incomplete(string entry) => $"({ValueNotHeld(entry)} OR {ReferenceMissing(entry)})";

    private static string ValueNotHeld(string entry) =>
        $$"""({{entry}}.value_digest <> '{{EmptyDigest}}' AND NOT EXISTS (SELECT 1 FROM namespace_blobs g WHERE g."namespace" = {{entry}}."namespace" AND g.digest = {{entry}}.value_digest))""";

    private static string ReferenceMissing(string entry) =>
        $$"""{{entry}}.reference_count > (SELECT COUNT(*) FROM entry_references r WHERE r."namespace" = {{entry}}."namespace" AND r.kind = {{entry}}.kind AND r."key" = {{entry}}."key")""";

    private static readonly string IncompleteEntries =
        $$"""
        SELECT e."namespace" AS "Namespace", e.kind AS "Kind", e."key" AS "Key" FROM cache_entries e WHERE {{Incomplete("e")}}
        ORDER BY e."namespace", e.kind, e."key"
        """;

    private static void AppendChange(SqlBatch batch, EntryAddress address, object time) =>
        batch.Add("""INSERT INTO metadata_changes (at, "namespace", kind, "key") VALUES ({0}, {1}, 'entry', {2})""",
            time, address.Namespace.Value, $"{address.Kind}:{address.Key}");

    internal static IReadOnlyDictionary<string, string> ParseMetadata(string? json) =>
        json is null ? NoMetadata : JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? NoMetadata;

    private sealed class EntryKeyRow
    {
        public string Namespace { get; set; } = "";
        public string Kind { get; set; } = "";
        public string Key { get; set; } = "";
    }

    private sealed class PresentEntryRow
    {
        public string Key { get; set; } = "";
        public string ValueDigest { get; set; } = "";
        public long Size { get; set; }
        public string? Metadata { get; set; }
    }

    private sealed class WritePlanRow
    {
        public string? ValueKey { get; set; }
        public long? ValueSize { get; set; }
        public long? ValueStoredSize { get; set; }
        public string? ValueEncoding { get; set; }
        public string? ExistingValue { get; set; }
        public string? ExistingMetadata { get; set; }
        public int ExistingComplete { get; set; }
    }
}
