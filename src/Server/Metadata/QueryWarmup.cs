using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Runs one EF Core query as soon as the server serves, beside it: the reads before serving are plain SQL
/// (<see cref="PlainSql"/>), so otherwise the first request that needs EF Core would pay its set-up (its
/// service provider, the relational model, a query pipeline: about 0.15 s).
/// </summary>
internal sealed class QueryWarmup(IDbContextFactory<CacheDbContext> contexts, ILogger<QueryWarmup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // the host starts services one after the other: the set-up must not run in front of the start
        try
        {
            await using var db = await contexts.CreateDbContextAsync(stoppingToken);
            await db.StorageBindings.AsNoTracking().AnyAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Only a head start: the request that needs the query reports what is wrong.
            logger.LogDebug(e, "Warming up the metadata queries failed");
        }
    }
}
