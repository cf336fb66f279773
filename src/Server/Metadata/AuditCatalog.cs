using CacheRegistry.Common.Api;
using CacheRegistry.Server.Audit;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>What to show of the audit log.</summary>
public sealed record AuditQuery(int Limit, string? Namespace = null, string? Actor = null, string? Action = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null);

/// <summary>Owns the audit log (<c>audit_events</c>).</summary>
public sealed class AuditCatalog
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;
    private readonly MetadataDialect _dialect;
    private readonly MetadataWriter _writer;

    internal AuditCatalog(IDbContextFactory<CacheDbContext> contexts, MetadataDialect dialect, MetadataWriter writer)
    {
        _contexts = contexts;
        _dialect = dialect;
        _writer = writer;
    }

    public async Task AddAsync(IReadOnlyCollection<AuditEvent> events, CancellationToken cancellationToken)
    {
        // Through the metadata writer: on SQLite a second writing connection would contend for the one write lock.
        var write = _writer.Begin();
        foreach (var e in events)
        {
            write.Batch.Add("""
                INSERT INTO audit_events (at, actor, action, "namespace", target, status) VALUES ({0}, {1}, {2}, {3}, {4}, {5})
                """, _dialect.Time(e.At), Truncate(e.Actor, 256)!, Truncate(e.Action, 128)!, e.Namespace, Truncate(e.Target, 512), e.Status);
        }
        await _writer.CommitAsync(write, cancellationToken);
    }

    /// <summary>The newest records first, filtered.</summary>
    public async Task<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var events = db.AuditEvents.AsNoTracking();
        if (query.Namespace is { Length: > 0 } ns) events = events.Where(e => e.Namespace == ns);
        if (query.Actor is { Length: > 0 } actor) events = events.Where(e => e.Actor == actor);
        if (query.Action is { Length: > 0 } action) events = events.Where(e => e.Action.Contains(action));
        if (query.Since is { } since) events = events.Where(e => e.At >= since);
        if (query.Until is { } until) events = events.Where(e => e.At < until);
        return await events.OrderByDescending(e => e.Id).Take(query.Limit)
            .Select(e => new AuditRecord(e.At, e.Actor, e.Action, e.Namespace, e.Target, e.Status))
            .ToListAsync(cancellationToken);
    }

    private static string? Truncate(string? text, int length) => text is null || text.Length <= length ? text : text[..length];
}
