using CacheRegistry.Server.Core.Access;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>Owns the recent misses of every replica (<c>recent_misses</c>), bounded by age and by count.</summary>
public sealed class RecentMissCatalog
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;

    internal RecentMissCatalog(IDbContextFactory<CacheDbContext> contexts) => _contexts = contexts;

    public async Task AddAsync(IReadOnlyCollection<RecentMiss> misses, CancellationToken cancellationToken)
    {
        if (misses.Count == 0) return;
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        db.Set<RecentMissRow>().AddRange(misses.Select(m => new RecentMissRow { At = m.At, Namespace = m.Namespace, Protocol = m.Protocol, Key = m.Key }));
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The namespace's newest misses first.</summary>
    public async Task<IReadOnlyList<RecentMiss>> RecentAsync(string ns, int limit, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<RecentMissRow>().AsNoTracking().Where(m => m.Namespace == ns).OrderByDescending(m => m.Id).Take(limit).ToListAsync(cancellationToken);
        return rows.Select(m => new RecentMiss(m.At, m.Namespace, m.Protocol, m.Key)).ToList();
    }

    /// <summary>Deletes misses older than <paramref name="before"/>, and all but the newest <paramref name="keep"/>.</summary>
    public async Task PruneAsync(DateTimeOffset before, int keep, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var misses = db.Set<RecentMissRow>();
        await misses.Where(m => m.At < before).ExecuteDeleteAsync(cancellationToken);
        var oldestKept = await misses.OrderByDescending(m => m.Id).Skip(keep - 1).Select(m => (long?)m.Id).FirstOrDefaultAsync(cancellationToken);
        if (oldestKept is { } id) await misses.Where(m => m.Id < id).ExecuteDeleteAsync(cancellationToken);
    }
}
