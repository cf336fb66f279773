using CacheRegistry.Server.Audit;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CacheRegistry.Tests.Integration;

/// <summary>The audit log stores events as they were recorded, several to a statement.</summary>
[Collection(BackendCollection.Name)]
public sealed class AuditLogTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    [BackendFact]
    public async Task Events_written_together_come_back_whole_and_in_order()
    {
        var at = DateTimeOffset.UtcNow;
        // 23 events: runs of ten to a statement, broken by events with nulls (each written alone).
        var events = Enumerable.Range(0, 23).Select(i => new AuditEvent(at.AddMilliseconds(i), $"actor-{i}", $"PUT /cache/{i}",
            i == 4 ? null : "team", i is 4 or 15 ? null : $"key-{i}", 200 + i)).ToList();
        var catalog = Server.Services.GetRequiredService<AuditCatalog>();
        await catalog.AddAsync(events, default);

        var stored = (await catalog.QueryAsync(new AuditQuery(100), default)).Where(r => r.Actor.StartsWith("actor-", StringComparison.Ordinal)).ToList();
        Assert.Equal(events.Select(e => (e.Actor, e.Action, e.Namespace, e.Target, e.Status)).Reverse(),
            stored.Select(r => (r.Actor, r.Action, r.Namespace, r.Target, r.Status)));
    }

    // Empty strings stay text: SQLite stores a text parameter whose pointer is null as NULL, which the NOT NULL
    // columns refuse (an inline blob's storage key is empty too) and the nullable ones would keep as no value.
    [BackendFact]
    public async Task Empty_strings_are_stored_as_empty_text()
    {
        var catalog = Server.Services.GetRequiredService<AuditCatalog>();
        await catalog.AddAsync([new AuditEvent(DateTimeOffset.UtcNow, "", "", "team", "", 200)], default);
        var stored = (await catalog.QueryAsync(new AuditQuery(100), default)).Single(r => r.Namespace == "team" && r.Status == 200);
        Assert.Equal(("", "", ""), (stored.Actor, stored.Action, stored.Target));
    }
}
