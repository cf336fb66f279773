using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Gc;

/// <summary>
/// The database lease that keeps garbage collection to one replica at a time. It is renewed while a
/// pass runs, so a long pass never runs on two replicas at once; if a renewal fails, the pass is
/// cancelled.
/// </summary>
public sealed class GcLease(LeaseCatalog leases, IOptions<GcOptions> options, TimeProvider clock, ILogger<GcLease> logger)
{
    private const string Name = "gc";
    private readonly string _holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>Runs <paramref name="work"/> while holding the lease; returns false (without running it) when another replica holds it.</summary>
    public async Task<bool> RunAsync(Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        if (!await TryTakeAsync(cancellationToken)) return false;
        using var held = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewal = RenewAsync(held, renewing.Token);
        try
        {
            await work(held.Token);
        }
        finally
        {
            await renewing.CancelAsync();
            await renewal;
            try
            {
                await leases.ReleaseAsync(Name, _holder, CancellationToken.None);
            }
            catch (Exception e)
            {
                logger.LogWarning("Could not release the garbage collection lease ({Error}); it expires by itself", e.Message);
            }
        }
        return true;
    }

    private Task<bool> TryTakeAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return leases.TryTakeAsync(Name, _holder, now, now + options.Value.LeaseDuration, cancellationToken);
    }

    private async Task RenewAsync(CancellationTokenSource held, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(options.Value.LeaseDuration / 3, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                if (await TryTakeAsync(stop)) continue;
                logger.LogWarning("Lost the garbage collection lease to another replica; stopping this pass");
                await held.CancelAsync();
                return;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            logger.LogWarning("Could not renew the garbage collection lease ({Error}); stopping this pass", e.Message);
            await held.CancelAsync();
        }
    }
}
