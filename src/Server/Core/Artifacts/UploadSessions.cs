using System.Buffers;
using System.Security.Cryptography;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Common.IO;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Core.Storage;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Core.Artifacts;

/// <summary>
/// Resumable uploads of large blobs: a session collects numbered parts (each stored as an object in
/// the blob store, so any replica can take any part and a dropped connection loses one part at most),
/// then completion streams the parts in order through the normal verified ingest into the CAS. Parts
/// are refused as they arrive once the session would exceed the largest blob or the namespace's quota.
/// </summary>
public sealed class UploadSessions(
    UploadCatalog catalog,
    UsageCatalog usage,
    IBlobStore store,
    StagingArea staging,
    ContentStore content,
    IOptions<CacheLimitsOptions> limits,
    IOptions<GcOptions> gc,
    TimeProvider clock)
{
    public const int MaxParts = 10_000;
    private const int BufferSize = 128 * 1024;
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);

    public async Task<UploadSessionInfo> StartAsync(NamespaceName ns, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await catalog.AddSessionAsync(id, ns, now, now + Lifetime, cancellationToken);
        return new UploadSessionInfo(id, [], now + Lifetime);
    }

    public async Task<UploadSessionInfo> GetAsync(NamespaceName ns, string id, CancellationToken cancellationToken)
    {
        var expiresAt = await FindAsync(ns, id, cancellationToken);
        return new UploadSessionInfo(id, await catalog.PartsAsync(id, cancellationToken), expiresAt);
    }

    /// <summary>Stores one part (sending a part again replaces it, so a retry is always safe).</summary>
    public async Task<UploadedPart> PutPartAsync(NamespaceName ns, string id, int number, Stream body, CancellationToken cancellationToken)
    {
        if (number is < 1 or > MaxParts) throw DomainException.Invalid($"part numbers go from 1 to {MaxParts}");
        await FindAsync(ns, id, cancellationToken);
        var (room, bound) = await RoomAsync(ns, id, number, cancellationToken);

        await using var staged = await staging.CreateAsync();
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long size = 0;
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                size += read;
                if (size > room) throw bound;
                await staged.Stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (IOException e) when (DiskErrors.IsDiskFull(e))
        {
            throw DiskErrors.Full(e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        await staged.CompleteAsync();
        await store.PutAsync(StorageKey.ForUploadPart(id, number), staged, cancellationToken);
        await catalog.PutPartAsync(id, number, size, cancellationToken);
        return new UploadedPart(number, size);
    }

    /// <summary>Joins parts 1..N, verifies the digest of the whole and stores it as a blob of the namespace.</summary>
    public async Task CompleteAsync(NamespaceName ns, string id, Sha256Digest digest, CancellationToken cancellationToken)
    {
        var info = await GetAsync(ns, id, cancellationToken);
        if (info.Parts.Count == 0 || info.Parts[^1].Number != info.Parts.Count)
        {
            throw DomainException.Invalid($"parts must be numbered 1 to N without gaps; the server has {string.Join(",", info.Parts.Select(p => p.Number))}");
        }
        await using var joined = new PartsStream(store, id, info.Parts.Count, cancellationToken);
        await content.PutAsync(ns, digest, joined, UploadEncoding.Identity, cancellationToken);
        await DeleteAsync(id, info.Parts.Count, cancellationToken);
    }

    public async Task AbortAsync(NamespaceName ns, string id, CancellationToken cancellationToken)
    {
        var info = await GetAsync(ns, id, cancellationToken);
        await DeleteAsync(id, info.Parts.Select(p => p.Number).DefaultIfEmpty(0).Max(), cancellationToken);
    }

    /// <summary>How many bytes part <paramref name="number"/> may hold, and the refusal past that.</summary>
    private async Task<(long Room, DomainException Bound)> RoomAsync(NamespaceName ns, string id, int number, CancellationToken cancellationToken)
    {
        var others = await catalog.SizeAsync(id, exceptPart: number, cancellationToken);
        var room = Math.Min(limits.Value.MaxUploadPartBytes, limits.Value.MaxBlobBytes - others);
        var bound = room == limits.Value.MaxUploadPartBytes
            ? DomainException.TooLarge(limits.Value.MaxUploadPartBytes)
            : new DomainException(DomainErrorKind.TooLarge, $"the upload would exceed the largest blob accepted, {limits.Value.MaxBlobBytes} bytes");
        if (gc.Value.Namespaces.TryGetValue(ns.Value, out var quota) && quota.MaxBytes > 0)
        {
            var quotaRoom = quota.MaxBytes - await usage.StoredBytesAsync(ns, cancellationToken) - others;
            if (quotaRoom < room)
            {
                room = quotaRoom;
                bound = new DomainException(DomainErrorKind.QuotaExceeded, $"the upload would exceed namespace '{ns}''s quota of {quota.MaxBytes} bytes");
            }
        }
        if (room < 0) throw bound;
        return (room, bound);
    }

    private async Task DeleteAsync(string id, int parts, CancellationToken cancellationToken)
    {
        for (var number = 1; number <= parts; number++) await store.DeleteAsync(StorageKey.ForUploadPart(id, number), cancellationToken);
        await catalog.DeleteSessionAsync(id, cancellationToken);
    }

    // Another namespace's session does not exist for this caller.
    private async Task<DateTimeOffset> FindAsync(NamespaceName ns, string id, CancellationToken cancellationToken)
    {
        if (!StorageKey.IsSessionId(id)) throw DomainException.Invalid("invalid upload id");
        var expiresAt = await catalog.FindSessionAsync(ns, id, cancellationToken);
        if (expiresAt is null || expiresAt < clock.GetUtcNow()) throw DomainException.NotFound($"no upload {id}");
        return expiresAt.Value;
    }

    /// <summary>The parts of a session read one after another as one stream.</summary>
    private sealed class PartsStream(IBlobStore store, string id, int parts, CancellationToken cancellationToken) : ReadOnlyStream
    {
        private int _next = 1;
        private OpenedObject? _current;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken token = default)
        {
            while (true)
            {
                if (_current is null)
                {
                    if (_next > parts) return 0;
                    _current = await store.OpenReadAsync(StorageKey.ForUploadPart(id, _next++), cancellationToken)
                        ?? throw DomainException.Conflict($"part {_next - 1} of upload {id} is missing from storage; send it again");
                }
                var read = await _current.Content.ReadAsync(buffer, token);
                if (read > 0) return read;
                await _current.DisposeAsync();
                _current = null;
            }
        }

        public override int Read(Span<byte> buffer) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            if (_current is not null) await _current.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
