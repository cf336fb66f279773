using System.Text.Json;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Core.Entries;

/// <summary>
/// Keyed entries (Bazel's action cache and the opaque-key protocols): a key in a namespace maps to a
/// value stored as a blob, deduplicated like any other content, plus optional protocol metadata. An
/// entry is never served while a blob it names is missing: it is written only when the namespace
/// holds every blob it names, and one whose blobs have gone since reads as a miss and is removed.
/// </summary>
public sealed class EntryStore(
    BlobIngestor ingestor,
    BlobCatalog blobs,
    EntryCatalog entries,
    BlobWriter writer,
    MetadataWriter metadataWriter,
    AccessTracker access,
    LookupCache lookups,
    CacheStatistics statistics,
    IOptions<CacheLimitsOptions> limits,
    TimeProvider clock)
{
    /// <summary>
    /// The entry, or null on a miss. A hit is recorded, and the blobs it names count as used from now on,
    /// so the client's reads of them that follow find them; a cold lookup reads the database once.
    /// </summary>
    public async Task<FoundEntry?> FindAsync(EntryAddress address, CancellationToken cancellationToken)
    {
        var slot = lookups.EntrySlot(address);
        if (!lookups.TryGet<FoundEntry>(slot, out var entry))
        {
            var found = await entries.FindAsync(address, cancellationToken);
            if (found is { Complete: false })
            {
                await entries.RemoveIfIncompleteAsync(address, clock.GetUtcNow(), cancellationToken);
                found = null;
            }
            entry = found?.Entry;
            if (entry is not null) lookups.Add(slot, entry);
        }
        // The value or an output being evicted at this moment makes the hit a miss: the client rebuilds rather than fails.
        // So does an eviction that ended since the entry was read (it invalidated the slot): what was read may name what it took.
        if (entry is not null && (!access.ProtectForReading(entry.Value.Digest, entry.References) || lookups.EntrySlot(address) != slot)) entry = null;
        RecordLookup(address, entry);
        return entry;
    }

    /// <summary>Which of the keys exist (with their values' sizes and metadata); those found count as used now.</summary>
    public async Task<IReadOnlyDictionary<string, PresentEntry>> FindManyAsync(NamespaceName ns, EntryKind kind, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var found = await entries.FindManyAsync(ns, kind, keys, cancellationToken);
        foreach (var (key, entry) in found)
        {
            access.RecordEntryPresence(new EntryAddress(ns, kind, key));
            if (!entry.ValueDigest.IsEmpty) access.RecordBlobPresence(entry.ValueDigest);
        }
        return found;
    }

    /// <summary>
    /// Stores the value under the address. An action result's value names the blobs it needs (any
    /// 64-hex digest in it: that covers Bazel's ActionResult protobuf and cache exec's JSON manifest);
    /// when the namespace lacks any of them the write is refused with their digests.
    /// </summary>
    /// <param name="extraReferences">
    /// Blobs the value needs that are not written in it (the files inside an action result's output
    /// directory trees); they are references like those found in the value.
    /// </param>
    /// <returns>True when the entry is new, false when it replaced one (or was there already).</returns>
    public async Task<bool> PutAsync(EntryAddress address, Stream body, UploadEncoding encoding,
        IReadOnlyDictionary<string, string>? metadata, EntryWriteMode mode, CancellationToken cancellationToken,
        IReadOnlyCollection<Sha256Digest>? extraReferences = null)
    {
        var maxSize = address.Kind == EntryKind.Action ? limits.Value.MaxActionEntryBytes : limits.Value.MaxBlobBytes;
        var scanner = address.Kind == EntryKind.Action ? new DigestScanner() : null;
        // The value's digest is known only once it is read, so it is staged before the metadata is asked.
        await using var upload = await ingestor.IngestAsync(body, encoding, maxSize, keepContent: true, cancellationToken, scanner);
        var references = (scanner?.Finish() ?? new HashSet<string>()).Union(extraReferences?.Select(d => d.Hex) ?? [])
            .Where(d => d != upload.Digest.Hex && d != Sha256Digest.Empty.Hex).ToList();
        var metadataJson = metadata is { Count: > 0 } ? JsonSerializer.Serialize(metadata) : null;

        var plan = await entries.PlanWriteAsync(address, upload.Digest, cancellationToken);
        if (plan.Existing is { } existing)
        {
            if (mode == EntryWriteMode.CreateOnly) throw DomainException.Conflict($"entry {address.Key} exists already and cannot be overwritten");
            if (existing.Complete && existing.ValueDigest == upload.Digest.Hex && existing.Metadata == metadataJson && plan.ValueBlob is not null)
            {
                access.RecordEntryPresence(address);
                statistics.RecordWrite(address.Protocol, address.Namespace);
                return false; // the same entry again: nothing to write
            }
        }

        void AddEntry(MetadataWrite write) =>
            entries.Put(write, address, upload.Digest, upload.Size, metadataJson, references, mode, replaces: plan.Existing is not null, clock.GetUtcNow());
        try
        {
            await CommitAsync(address.Namespace, upload, plan, AddEntry, cancellationToken);
        }
        catch (MetadataConstraintException)
        {
            var missing = await MissingAsync(address.Namespace, references, cancellationToken);
            if (missing.Count > 0) throw new MissingBlobsException(missing);
            // The value blob was deleted between the plan and the commit: store our copy of it.
            await CommitAsync(address.Namespace, upload, plan with { ValueBlob = null }, AddEntry, cancellationToken);
        }
        lookups.InvalidateEntry(address);
        statistics.RecordWrite(address.Protocol, address.Namespace);
        return plan.Existing is null;
    }

    /// <summary>Removes the entry (its value blob stays, for other entries and for garbage collection).</summary>
    public async Task<bool> DeleteAsync(EntryAddress address, CancellationToken cancellationToken)
    {
        var deleted = await entries.DeleteAsync(address, clock.GetUtcNow(), cancellationToken);
        lookups.InvalidateEntry(address);
        return deleted;
    }

    // The value's grant is written with the entry even when the namespace held the value at the plan: it is what
    // holds the value for the entry, so an eviction that took it since is undone (or, the blob gone, the write refused).
    // An eviction committing after the grant's statement leaves the entry incomplete: a miss, never a wrong hit.
    private Task CommitAsync(NamespaceName ns, IngestedBlob upload, EntryWritePlan plan, Action<MetadataWrite> addEntry, CancellationToken cancellationToken)
    {
        if (plan.ValueBlob is null) return writer.StoreAsync(ns, upload, addEntry, cancellationToken);
        if (!upload.Digest.IsEmpty) return writer.GrantAsync(ns, upload.Digest, addEntry, cancellationToken);
        var write = metadataWriter.Begin();
        addEntry(write);
        return metadataWriter.CommitAsync(write, cancellationToken);
    }

    private async Task<IReadOnlyList<string>> MissingAsync(NamespaceName ns, IReadOnlyList<string> references, CancellationToken cancellationToken)
    {
        var held = await blobs.FindHeldAsync(ns, references, cancellationToken);
        return references.Where(d => !held.Contains(d)).Order(StringComparer.Ordinal).ToList();
    }

    private void RecordLookup(EntryAddress address, FoundEntry? entry)
    {
        statistics.RecordLookup(address.Protocol, address.Namespace, entry is not null, address.Key);
        if (entry is null) return;
        access.RecordEntryHit(address);
        if (!entry.Value.Digest.IsEmpty) access.RecordBlobHit(entry.Value.Digest);
    }
}
