using CacheRegistry.Server.Core.Access;

namespace CacheRegistry.Tests.Unit;

public sealed class TallyTests
{
    [Fact]
    public void Concurrent_adds_all_count_and_each_increase_is_taken_once()
    {
        var tally = new Tally("test.requests", null, "test", "protocol", "status");
        Parallel.For(0, 40_000, i => tally.Add(1, i % 2 == 0 ? "bazel" : "nx", "2xx"));

        var first = tally.TakeIncreases().ToDictionary(s => s.Tags.First!, s => s.Increase);
        Assert.Equal(20_000, first["bazel"]);
        Assert.Equal(20_000, first["nx"]);
        Assert.Empty(tally.TakeIncreases());

        tally.Add(5, "bazel", "2xx");
        Assert.Equal([(new TagValues("bazel", "2xx", null), 5L)], tally.TakeIncreases().ToList());
        // Totals and the OpenTelemetry measurements keep counting from the start.
        Assert.Equal(20_005, tally.Totals().Single(s => s.Tags.First == "bazel").Total);
        var measurement = tally.Measurements().Single(m => m.Tags.ToArray().Contains(new("protocol", "bazel")));
        Assert.Equal(20_005, measurement.Value);
        Assert.Equal([new("protocol", "bazel"), new("status", "2xx")], measurement.Tags.ToArray());
    }

    [Fact]
    public void Past_the_series_bound_new_tag_values_are_counted_together_and_nothing_is_lost()
    {
        var tally = new Tally("test.lookups", null, "test", "namespace");
        for (var i = 0; i < Tally.MaxSeries + 50; i++) tally.Add(1, $"ns-{i}");
        tally.Add(1, "ns-0"); // a series counted before the bound keeps its own count

        var totals = tally.Totals().ToDictionary(s => s.Tags.First!, s => s.Total);
        Assert.Equal(Tally.MaxSeries + 1, totals.Count);
        Assert.Equal(50, totals[Tally.Overflow]);
        Assert.Equal(2, totals["ns-0"]);
        Assert.Equal(Tally.MaxSeries + 51, totals.Values.Sum());
        Assert.Equal("ns-0", tally.ValueOf(new TagValues("ns-0", null, null), "namespace"));
        Assert.Null(tally.ValueOf(new TagValues("ns-0", null, null), "protocol"));
    }
}
