using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Audit;

/// <summary>
/// Writes queued audit events to the database, up to a batch at a time. A batch that cannot be written
/// (the database is down) is kept and tried again until it is; meanwhile new events wait in the queue.
/// </summary>
public sealed class AuditWriterService(AuditLog audit, AuditCatalog catalog, ILogger<AuditWriterService> logger) : BackgroundService
{
    private const int BatchSize = 500;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<AuditEvent>();
        try
        {
            while (await audit.Pending.WaitToReadAsync(stoppingToken))
            {
                Fill(batch);
                await WriteUntilStoredAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        // What arrived before shutdown: one attempt.
        Fill(batch);
        if (batch.Count > 0)
        {
            try
            {
                await catalog.AddAsync(batch, CancellationToken.None);
            }
            catch (Exception e)
            {
                logger.LogError("Could not write {Count} audit events at shutdown: {Error}", batch.Count, e.Message);
            }
        }
    }

    private void Fill(List<AuditEvent> batch)
    {
        while (batch.Count < BatchSize && audit.Pending.TryRead(out var next)) batch.Add(next);
    }

    private async Task WriteUntilStoredAsync(List<AuditEvent> batch, CancellationToken stoppingToken)
    {
        var failingSince = (DateTimeOffset?)null;
        while (batch.Count > 0)
        {
            try
            {
                await catalog.AddAsync(batch, stoppingToken);
                if (failingSince is not null) logger.LogInformation("Audit events are written again; {Count} kept meanwhile were stored", batch.Count);
                batch.Clear();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (failingSince is null)
                {
                    failingSince = DateTimeOffset.UtcNow;
                    logger.LogWarning("Could not write {Count} audit events ({Error}); keeping them and retrying", batch.Count, e.Message);
                }
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }
}
