using CacheRegistry.Server.Core;
using CacheRegistry.Server.Metadata;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Background;

/// <summary>Writes queued audit events to the database, up to a batch at a time.</summary>
public sealed class AuditWriterService(AuditLog audit, IDbContextFactory<CacheDbContext> contexts, ILogger<AuditWriterService> logger) : BackgroundService
{
    private const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await audit.Pending.WaitToReadAsync(stoppingToken)) await WriteBatchAsync(CancellationToken.None);
        }
        catch (OperationCanceledException)
        {
        }
        await WriteBatchAsync(CancellationToken.None); // what arrived before shutdown
    }

    private async Task WriteBatchAsync(CancellationToken cancellationToken)
    {
        var batch = new List<AuditEvent>();
        while (batch.Count < BatchSize && audit.Pending.TryRead(out var next)) batch.Add(next);
        if (batch.Count == 0) return;
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            db.AuditEvents.AddRange(batch);
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not write {Count} audit events", batch.Count);
        }
    }
}
