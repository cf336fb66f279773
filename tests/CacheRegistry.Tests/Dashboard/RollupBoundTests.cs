using System.Net;
using CacheRegistry.Server.Dashboard.History;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CacheRegistry.Tests.Dashboard;

/// <summary>
/// The history is bounded in size: past History:MaxSeries distinct series in a minute, a replica counts
/// new namespaces together as "(other)", so many namespaces cannot grow the rows written per minute
/// (nor the recorder's memory) without bound, and nothing counted is lost.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class RollupBoundTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private const int MaxSeries = 8;
    private const int Namespaces = 40;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>
    {
        ["CacheRegistry:Dashboard:History:FlushInterval"] = "00:00:00.200",
        ["CacheRegistry:Dashboard:History:MaxSeries"] = MaxSeries.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [BackendFact]
    public async Task Past_the_series_bound_new_namespaces_are_counted_together_as_other_and_nothing_is_lost()
    {
        var minute = CounterRecorder.MinuteOf(DateTimeOffset.UtcNow);
        var missing = TestData.Digest("never stored"u8.ToArray()).Hex;
        for (var i = 0; i < Namespaces; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"ns-{i:D2}/cas/{missing}")).StatusCode);
        }

        var rollups = Server.Services.GetRequiredService<RollupCatalog>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        IReadOnlyList<RollupPoint> points;
        while (true)
        {
            points = await rollups.SeriesAsync(minute, minute + 3, 1, CancellationToken.None);
            if (points.Where(p => p.Metric == Metrics.Misses).Sum(p => p.Value) == Namespaces) break;
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the history to be written");
            await Task.Delay(100);
        }

        var misses = points.Where(p => p.Metric == Metrics.Misses).ToList();
        Assert.Contains(misses, p => p.Namespace == CounterRecorder.OtherNamespaces && p.Value > 0);
        // At most MaxSeries series a minute are named (the test may span two minutes); every other miss went to "(other)".
        var named = misses.Where(p => p.Namespace != CounterRecorder.OtherNamespaces).Select(p => p.Namespace).Distinct().ToList();
        Assert.InRange(named.Count, 1, 2 * MaxSeries);
        Assert.Equal(Namespaces - named.Count, misses.Where(p => p.Namespace == CounterRecorder.OtherNamespaces).Sum(p => p.Value));
        var perMinute = points.Where(p => p.Namespace.Length > 0 && p.Namespace != CounterRecorder.OtherNamespaces)
            .GroupBy(p => p.Bucket).Select(g => g.Select(p => (p.Metric, p.Protocol, p.Namespace, p.Label)).Distinct().Count());
        Assert.All(perMinute, count => Assert.InRange(count, 1, MaxSeries));

        // The overview shows the folded namespaces as one row, not as a link to a namespace page.
        var overview = await Http.GetStringAsync("/");
        Assert.Contains("<td>(other)</td>", overview);
        Assert.DoesNotContain("/dashboard/namespaces/(other)", overview);
        Assert.DoesNotContain("/dashboard/namespaces/%28other%29", overview);
    }
}
