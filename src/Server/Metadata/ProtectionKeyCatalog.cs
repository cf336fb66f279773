using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Owns the Data Protection key ring shared by the replicas (<c>protection_keys</c>). Data Protection
/// reads and writes its key ring synchronously, rarely (at start, when it rotates keys, about daily).
/// </summary>
public sealed class ProtectionKeyCatalog
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;

    internal ProtectionKeyCatalog(IDbContextFactory<CacheDbContext> contexts) => _contexts = contexts;

    public IReadOnlyList<string> All()
    {
        using var db = _contexts.CreateDbContext();
        return db.Set<ProtectionKeyRow>().AsNoTracking().OrderBy(k => k.CreatedAt).Select(k => k.Xml).ToList();
    }

    public void Add(string name, string xml, DateTimeOffset now)
    {
        using var db = _contexts.CreateDbContext();
        db.Set<ProtectionKeyRow>().Add(new ProtectionKeyRow { Name = name, Xml = xml, CreatedAt = now });
        db.SaveChanges();
    }
}
