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
        // In their order, up to ten events a statement (60 parameters: the group commit keeps such a statement
        // prepared); one with a null in it alone, since a null is written into the statement's text.
        var rows = new List<AuditEvent>(RowsPerStatement);
        foreach (var e in events)
        {
            if (!HasNoNull(e))
            {
                AddRows(write, rows);
                AddRows(write, [e]);
                continue;
            }
            rows.Add(e);
            if (rows.Count == RowsPerStatement) AddRows(write, rows);
        }
        AddRows(write, rows);
        await _writer.CommitAsync(write, cancellationToken);
    }

    private const int RowsPerStatement = 10;

    private static readonly string[] InsertRows = [.. Enumerable.Range(1, RowsPerStatement).Select(rows =>
        "INSERT INTO audit_events (at, actor, action, \"namespace\", target, status) VALUES "
        + string.Join(", ", Enumerable.Range(0, rows).Select(row => "(" + string.Join(", ", Enumerable.Range(row * 6, 6).Select(i => $"{{{i}}}")) + ")")))];

    private void AddRows(MetadataWrite write, List<AuditEvent> rows)
    {
        if (rows.Count == 0) return;
        write.Batch.Add(InsertRows[rows.Count - 1], [.. rows.SelectMany(Values)]);
        rows.Clear();
    }

    private static bool HasNoNull(AuditEvent e) => e.Namespace is not null && e.Target is not null;

    private object?[] Values(AuditEvent e) =>
        [_dialect.Time(e.At), Truncate(e.Actor, 256)!, Truncate(e.Action, 128)!, e.Namespace, Truncate(e.Target, 512), e.Status];

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
