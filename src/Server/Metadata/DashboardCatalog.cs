using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Namespaces;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>An entry as the dashboard lists it: its protocol and key, the size of its value, and how it was used.</summary>
public sealed record EntrySummary(string Protocol, string Key, long Size, long Hits, DateTimeOffset LastAccessAt, DateTimeOffset UpdatedAt);

/// <summary>The read-only questions only the dashboard asks, across the aggregates other catalogs own.</summary>
public sealed class DashboardCatalog
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;

    internal DashboardCatalog(IDbContextFactory<CacheDbContext> contexts) => _contexts = contexts;

    /// <summary>The namespace's largest entries (by the size of their value) and its most used ones.</summary>
    public async Task<(IReadOnlyList<EntrySummary> Largest, IReadOnlyList<EntrySummary> MostUsed)> TopEntriesAsync(NamespaceName ns, int count, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var entries = from entry in db.CacheEntries.AsNoTracking()
                      join value in db.Blobs on entry.ValueDigest equals value.Digest
                      where entry.Namespace == ns.Value
                      select new { entry.Kind, entry.Key, value.Size, entry.HitCount, entry.LastAccessAt, entry.UpdatedAt };
        var largest = await entries.OrderByDescending(e => e.Size).ThenBy(e => e.Key).Take(count).ToListAsync(cancellationToken);
        var mostUsed = await entries.OrderByDescending(e => e.HitCount).ThenBy(e => e.Key).Take(count).ToListAsync(cancellationToken);
        return (largest.Select(e => new EntrySummary(EntryAddress.ProtocolOf(e.Kind), e.Key, e.Size, e.HitCount, e.LastAccessAt, e.UpdatedAt)).ToList(),
            mostUsed.Select(e => new EntrySummary(EntryAddress.ProtocolOf(e.Kind), e.Key, e.Size, e.HitCount, e.LastAccessAt, e.UpdatedAt)).ToList());
    }

    /// <summary>Namespaces that hold published artifacts, with how many artifact names each has.</summary>
    public async Task<IReadOnlyDictionary<string, int>> ArtifactNamespacesAsync(CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.ArtifactVersions.AsNoTracking().Select(v => new { v.Namespace, v.Name }).Distinct().ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.Namespace).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }

    /// <summary>How often each blob was fetched (hits written so far), by digest; blobs not stored are left out.</summary>
    public async Task<IReadOnlyDictionary<string, long>> FetchCountsAsync(IReadOnlyCollection<string> digests, CancellationToken cancellationToken)
    {
        if (digests.Count == 0) return new Dictionary<string, long>();
        var list = digests.Distinct().ToArray();
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.Blobs.AsNoTracking().Where(b => list.Contains(b.Digest)).ToDictionaryAsync(b => b.Digest, b => b.HitCount, cancellationToken);
    }
}
