using System.Diagnostics;
using CacheRegistry.Server.Gc;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CacheRegistry.Tests.Integrity;

/// <summary>The garbage collection lease is renewed during a pass: a pass longer than the lease never runs on two replicas at once.</summary>
[Collection(BackendCollection.Name)]
public sealed class LeaseTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>
    {
        ["CacheRegistry:Gc:LeaseDuration"] = "00:00:01.500",
    };

    [BackendFact]
    public async Task A_pass_longer_than_the_lease_keeps_it_to_the_end()
    {
        await using var replica = await StartReplicaAsync();
        var first = ActivatorUtilities.CreateInstance<GcLease>(Server.Services);
        var second = ActivatorUtilities.CreateInstance<GcLease>(replica.Services);
        var running = 0;
        var overlaps = 0;

        async Task Pass(CancellationToken token)
        {
            if (Interlocked.Increment(ref running) > 1) Interlocked.Increment(ref overlaps);
            await Task.Delay(TimeSpan.FromSeconds(5), token); // more than three lease durations
            Interlocked.Decrement(ref running);
        }

        var passTime = Stopwatch.StartNew();
        var long1 = first.RunAsync(Pass, CancellationToken.None);
        await Task.Delay(200);
        var refusals = 0;
        var lastRefusal = TimeSpan.Zero;
        while (!long1.IsCompleted)
        {
            if (!await second.RunAsync(Pass, CancellationToken.None))
            {
                refusals++;
                lastRefusal = passTime.Elapsed;
            }
            await Task.Delay(250);
        }
        Assert.True(await long1);
        Assert.Equal(0, overlaps);
        // Refused long after the first lease would have expired unrenewed (1.5 s), however slow each ask was.
        Assert.True(refusals >= 3 && lastRefusal > TimeSpan.FromSeconds(3.5),
            $"the other replica was refused {refusals} times, the last {lastRefusal.TotalSeconds:F1} s into the 5 s pass");
        Assert.True(await second.RunAsync(_ => Task.CompletedTask, CancellationToken.None)); // free once the pass ends
    }
}
