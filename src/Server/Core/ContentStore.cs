using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Server.Storage;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Core;

/// <summary>
/// The content-addressed store: blobs named by the SHA-256 of their content, stored once and made
/// visible per namespace.
/// </summary>
public sealed class ContentStore(
    BlobIngestor ingestor,
    BlobCatalog catalog,
    IBlobStore store,
    AccessTracker access,
    LookupCache lookups,
    CacheStatistics statistics,
    Observability.Metrics metrics,
    IOptions<CacheLimitsOptions> limits,
    TimeProvider clock)
{
    private const string Protocol = "cas";

    /// <summary>The blob if it is visible in the namespace. The empty blob always is.</summary>
    public async Task<StoredBlob?> FindAsync(NamespaceName ns, Sha256Digest digest, CancellationToken cancellationToken)
    {
        if (digest.IsEmpty)
        {
            statistics.RecordLookup(Protocol, ns, hit: true);
            return StoredBlob.Empty;
        }
        if (!lookups.TryGetBlob(ns, digest, out var blob))
        {
            var record = await catalog.FindVisibleAsync(ns, digest, cancellationToken);
            blob = record is null ? null : StoredBlob.From(record);
            if (blob is not null) lookups.AddBlob(ns, blob);
        }
        statistics.RecordLookup(Protocol, ns, blob is not null);
        if (blob is not null) access.RecordBlobHit(digest);
        return blob;
    }

    public Task<IReadOnlyList<Sha256Digest>> FindMissingAsync(NamespaceName ns, IReadOnlyCollection<Sha256Digest> digests, CancellationToken cancellationToken) =>
        catalog.FindMissingAsync(ns, digests, cancellationToken);

    /// <summary>
    /// Stores an upload that claims to have the given digest. The body is always read and verified,
    /// also when the blob exists already: visibility in a namespace is granted only for proven content.
    /// </summary>
    /// <returns>True when the blob is new to the namespace.</returns>
    public async Task<bool> PutAsync(NamespaceName ns, Sha256Digest expected, Stream body, UploadEncoding encoding, CancellationToken cancellationToken)
    {
        var existing = await catalog.FindAsync(expected, cancellationToken);
        await using var upload = await ingestor.IngestAsync(body, encoding, limits.Value.MaxBlobBytes, keepContent: existing is null, cancellationToken);
        if (upload.Digest != expected) throw new DigestMismatchException(expected.Hex, upload.Digest.Hex);
        var created = await CommitAsync(ns, upload, cancellationToken);
        statistics.RecordWrite(Protocol, ns);
        return created;
    }

    /// <summary>Stores verified content (if not stored yet) and makes it visible in the namespace.</summary>
    public async Task<bool> CommitAsync(NamespaceName ns, IngestedBlob upload, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (upload.Staged is not null)
        {
            var key = StorageKey.ForBlob(upload.Digest, upload.Encoding);
            if (upload.Size > 0)
            {
                await store.PutAsync(key, upload.Staged, cancellationToken);
                metrics.StoredBytes.Add(upload.StoredSize, new KeyValuePair<string, object?>("direction", "write"));
            }
            var record = await catalog.RegisterAsync(new BlobRecord
            {
                Digest = upload.Digest.Hex,
                Size = upload.Size,
                StoredSize = upload.Size > 0 ? upload.StoredSize : 0,
                Encoding = upload.Encoding,
                CreatedAt = now,
                LastAccessAt = now,
            }, cancellationToken);
            // A concurrent upload won with the other encoding: ours is an unreferenced object under another key.
            if (record.Encoding != upload.Encoding && upload.Size > 0) await store.DeleteAsync(key, cancellationToken);
        }
        return await catalog.GrantAsync(ns, upload.Digest, now, cancellationToken);
    }
}
