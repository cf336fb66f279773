using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Core.Cas;

/// <summary>
/// The content-addressed store: blobs named by the SHA-256 of their content, stored once and made
/// visible per namespace. A namespace gets a blob only by uploading the content itself, verified.
/// </summary>
public sealed class ContentStore(
    BlobIngestor ingestor,
    BlobCatalog catalog,
    BlobWriter writer,
    AccessTracker access,
    LookupCache lookups,
    CacheStatistics statistics,
    IOptions<CacheLimitsOptions> limits)
{
    private const string Protocol = "cas";

    /// <summary>The blob if the namespace holds it (the empty blob always). A hit is recorded; nothing is written.</summary>
    public async Task<StoredBlob?> FindAsync(NamespaceName ns, Sha256Digest digest, CancellationToken cancellationToken)
    {
        var blob = await LookupAsync(ns, digest, cancellationToken);
        statistics.RecordLookup(Protocol, ns, blob is not null, digest.Hex);
        if (blob is not null) access.RecordBlobHit(digest);
        return blob;
    }

    /// <summary>Like <see cref="FindAsync"/> for a "do you have it" (HEAD): the blob counts as used now, not as read.</summary>
    public async Task<StoredBlob?> CheckPresenceAsync(NamespaceName ns, Sha256Digest digest, CancellationToken cancellationToken)
    {
        var blob = await LookupAsync(ns, digest, cancellationToken);
        statistics.RecordLookup(Protocol, ns, blob is not null, digest.Hex);
        if (blob is not null) access.RecordBlobPresence(digest);
        return blob;
    }

    /// <summary>
    /// The digests among those given that the namespace lacks, in request order; one query. Those it
    /// holds count as used now, so they are not evicted before the client's next write names them.
    /// </summary>
    public async Task<IReadOnlyList<Sha256Digest>> FindMissingAsync(NamespaceName ns, IReadOnlyCollection<Sha256Digest> digests, CancellationToken cancellationToken)
    {
        var wanted = digests.Where(d => !d.IsEmpty).Select(d => d.Hex).Distinct().ToList();
        var held = await catalog.FindHeldAsync(ns, wanted, cancellationToken);
        foreach (var digest in held) access.RecordBlobPresence(Sha256Digest.Parse(digest));
        return digests.Where(d => !d.IsEmpty && !held.Contains(d.Hex)).Distinct().ToList();
    }

    /// <summary>
    /// Stores an upload that claims to have the given digest. The body is always read and verified,
    /// also when the blob exists already: visibility in a namespace is granted only for proven content.
    /// </summary>
    /// <param name="expectedSize">The size the client claims (REAPI digests carry one): another size is refused like another digest.</param>
    /// <returns>True when the blob is new to the namespace.</returns>
    public async Task<bool> PutAsync(NamespaceName ns, Sha256Digest expected, Stream body, UploadEncoding encoding, CancellationToken cancellationToken,
        long? expectedSize = null)
    {
        var known = expected.IsEmpty ? new BlobLookup(StoredBlob.Empty, true) : await catalog.LookupAsync(ns, expected, cancellationToken);
        await using var upload = await ingestor.IngestAsync(body, encoding, limits.Value.MaxBlobBytes, keepContent: known.Blob is null, cancellationToken);
        if (upload.Digest != expected) throw new DigestMismatchException(expected.Hex, upload.Digest.Hex);
        if (expectedSize is { } size && upload.Size != size) throw DomainException.Invalid($"the content of {expected} is {upload.Size} bytes, not {size}");
        statistics.RecordWrite(Protocol, ns);

        if (known.Granted)
        {
            access.RecordBlobPresence(expected);
            return false;
        }
        try
        {
            if (known.Blob is null) await writer.StoreAsync(ns, upload, addToCommit: null, cancellationToken);
            else await writer.GrantAsync(ns, expected, addToCommit: null, cancellationToken);
        }
        catch (MetadataConstraintException e)
        {
            // Garbage collection deleted the blob between our lookup and our grant; only its hash was kept.
            throw new DomainException(DomainErrorKind.Unavailable, "the blob was removed while it was being uploaded; send it again", e);
        }
        lookups.InvalidateBlob(ns, expected);
        return true;
    }

    private async Task<StoredBlob?> LookupAsync(NamespaceName ns, Sha256Digest digest, CancellationToken cancellationToken)
    {
        if (digest.IsEmpty) return StoredBlob.Empty;
        var slot = lookups.BlobSlot(ns, digest);
        if (lookups.TryGet<StoredBlob>(slot, out var cached)) return cached;
        var blob = await catalog.FindVisibleAsync(ns, digest, cancellationToken);
        if (blob is not null) lookups.Add(slot, blob);
        return blob;
    }
}
