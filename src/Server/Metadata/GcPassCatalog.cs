using System.Text.Json;
using CacheRegistry.Server.Gc;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>A garbage collection pass as recorded: when it ran, where, and what it did.</summary>
public sealed record GcPassRecord(DateTimeOffset StartedAt, DateTimeOffset FinishedAt, string Replica, GcReport Report);

/// <summary>Owns the history of garbage collection passes (<c>gc_passes</c>), kept as long as the counters' history.</summary>
public sealed class GcPassCatalog
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;

    internal GcPassCatalog(IDbContextFactory<CacheDbContext> contexts) => _contexts = contexts;

    public async Task AddAsync(GcPassRecord pass, CancellationToken cancellationToken)
    {
        var report = pass.Report;
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        db.Set<GcPassRow>().Add(new GcPassRow
        {
            StartedAt = pass.StartedAt, FinishedAt = pass.FinishedAt, Replica = pass.Replica.Length > 64 ? pass.Replica[..64] : pass.Replica,
            EvictedBlobs = report.EvictedBlobs, EvictedEntries = report.EvictedEntries, FreedBytes = report.FreedBytes, DeletedObjects = report.DeletedObjects,
            OrphanObjects = report.OrphanObjects, RepairedBlobs = report.RepairedBlobs, RemovedIncompleteEntries = report.RemovedIncompleteEntries,
            ExpiredUploads = report.ExpiredUploads, Evictions = JsonSerializer.Serialize(report.Evictions),
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The newest passes first.</summary>
    public async Task<IReadOnlyList<GcPassRecord>> RecentAsync(int limit, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<GcPassRow>().AsNoTracking().OrderByDescending(p => p.Id).Take(limit).ToListAsync(cancellationToken);
        return rows.Select(p => new GcPassRecord(p.StartedAt, p.FinishedAt, p.Replica, new GcReport(
            p.EvictedBlobs, p.EvictedEntries, p.DeletedObjects, p.OrphanObjects, p.RepairedBlobs, p.RemovedIncompleteEntries, p.ExpiredUploads, Ran: true)
        {
            FreedBytes = p.FreedBytes,
            Evictions = JsonSerializer.Deserialize<List<GcEviction>>(p.Evictions) ?? [],
        })).ToList();
    }

    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<GcPassRow>().Where(p => p.StartedAt < before).ExecuteDeleteAsync(cancellationToken);
    }
}
