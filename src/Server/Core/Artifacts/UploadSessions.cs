using System.Security.Cryptography;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Common.IO;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Server.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Core.Artifacts;

/// <summary>
/// Resumable uploads of large blobs: a session collects numbered parts (each stored as an object in
/// the blob store, so any replica can take any part and a dropped connection loses one part at most),
/// then completion streams the parts in order through the normal verified ingest into the CAS.
/// </summary>
public sealed class UploadSessions(
    IDbContextFactory<CacheDbContext> contexts,
    IBlobStore store,
    StagingArea staging,
    ContentStore content,
    IOptions<CacheLimitsOptions> limits,
    TimeProvider clock)
{
    public const int MaxParts = 10_000;
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);

    public async Task<UploadSessionInfo> StartAsync(NamespaceName ns, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var session = new UploadSession { Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), Namespace = ns.Value, CreatedAt = now, ExpiresAt = now + Lifetime };
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.UploadSessions.Add(session);
        await db.SaveChangesAsync(cancellationToken);
        return new UploadSessionInfo(session.Id, [], session.ExpiresAt);
    }

    public async Task<UploadSessionInfo> GetAsync(NamespaceName ns, string id, CancellationToken cancellationToken)
    {
        var session = await FindAsync(ns, id, cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var parts = await db.UploadParts.AsNoTracking().Where(p => p.SessionId == session.Id).OrderBy(p => p.Number)
            .Select(p => new UploadedPart(p.Number, p.Size)).ToListAsync(cancellationToken);
        return new UploadSessionInfo(session.Id, parts, session.ExpiresAt);
    }

    /// <summary>Stores one part (sending a part again replaces it, so a retry is always safe).</summary>
    public async Task<UploadedPart> PutPartAsync(NamespaceName ns, string id, int number, Stream body, CancellationToken cancellationToken)
    {
        if (number is < 1 or > MaxParts) throw CacheRequestException.BadRequest($"part numbers go from 1 to {MaxParts}");
        var session = await FindAsync(ns, id, cancellationToken);
        await using var staged = staging.Create();
        var buffer = new byte[128 * 1024];
        long size = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            size += read;
            if (size > limits.Value.MaxUploadPartBytes) throw CacheRequestException.TooLarge(limits.Value.MaxUploadPartBytes);
            await staged.Stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        await staged.CompleteAsync();
        await store.PutAsync(StorageKey.ForUploadPart(session.Id, number), staged, cancellationToken);

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var updated = await db.UploadParts.Where(p => p.SessionId == session.Id && p.Number == number)
            .ExecuteUpdateAsync(set => set.SetProperty(p => p.Size, size), cancellationToken);
        if (updated == 0)
        {
            db.UploadParts.Add(new UploadPart { SessionId = session.Id, Number = number, Size = size });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear(); // the same part, sent twice at once
                await db.UploadParts.Where(p => p.SessionId == session.Id && p.Number == number)
                    .ExecuteUpdateAsync(set => set.SetProperty(p => p.Size, size), cancellationToken);
            }
        }
        return new UploadedPart(number, size);
    }

    /// <summary>Joins parts 1..N, verifies the digest of the whole and stores it as a blob of the namespace.</summary>
    public async Task CompleteAsync(NamespaceName ns, string id, Sha256Digest digest, CancellationToken cancellationToken)
    {
        var info = await GetAsync(ns, id, cancellationToken);
        if (info.Parts.Count == 0 || info.Parts[^1].Number != info.Parts.Count)
        {
            throw CacheRequestException.BadRequest($"parts must be numbered 1 to N without gaps; the server has {string.Join(",", info.Parts.Select(p => p.Number))}");
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

    private async Task DeleteAsync(string id, int parts, CancellationToken cancellationToken)
    {
        for (var number = 1; number <= parts; number++) await store.DeleteAsync(StorageKey.ForUploadPart(id, number), cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.UploadParts.Where(p => p.SessionId == id).ExecuteDeleteAsync(cancellationToken);
        await db.UploadSessions.Where(s => s.Id == id).ExecuteDeleteAsync(cancellationToken);
    }

    // Another namespace's session does not exist for this caller.
    private async Task<UploadSession> FindAsync(NamespaceName ns, string id, CancellationToken cancellationToken)
    {
        if (id.Length != 32 || !id.All(char.IsAsciiHexDigitLower)) throw CacheRequestException.BadRequest("invalid upload id");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var session = await db.UploadSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id && s.Namespace == ns.Value, cancellationToken);
        if (session is null || session.ExpiresAt < clock.GetUtcNow()) throw CacheRequestException.NotFound($"no upload {id}");
        return session;
    }

    /// <summary>The parts of a session read one after another as one stream.</summary>
    private sealed class PartsStream(IBlobStore store, string id, int parts, CancellationToken cancellationToken) : ReadOnlyStream
    {
        private int _next = 1;
        private Stream? _current;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken token = default)
        {
            while (true)
            {
                if (_current is null)
                {
                    if (_next > parts) return 0;
                    _current = await store.OpenReadAsync(StorageKey.ForUploadPart(id, _next++), cancellationToken)
                        ?? throw new CacheRequestException(StatusCodes.Status409Conflict, $"part {_next - 1} of upload {id} is missing from storage; send it again");
                }
                var read = await _current.ReadAsync(buffer, token);
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
