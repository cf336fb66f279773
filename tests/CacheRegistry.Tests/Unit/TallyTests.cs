using CacheRegistry.Server.Core.Access;

namespace CacheRegistry.Tests.Unit;

public sealed class TallyTests
{
    [Fact]
    public void Concurrent_adds_all_count_and_each_increase_is_taken_once()
    {
        var tally = new Tally(null, "protocol", "status");
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
    public void Past_the_series_bound_new_namespaces_are_counted_together_their_other_tags_kept_and_nothing_is_lost()
    {
        var tally = new Tally("namespace", "namespace", "result");
        for (var i = 0; i < Tally.MaxSeries + 50; i++) tally.Add(1, $"ns-{i}", "hit");
        tally.Add(1, "ns-0", "hit"); // a series counted before the bound keeps its own count
        tally.Add(1, "ns-new", "miss");

        var totals = tally.Totals().ToDictionary(s => (s.Tags.First!, s.Tags.Second!), s => s.Total);
        Assert.Equal(Tally.MaxSeries + 2, totals.Count);
        Assert.Equal(50, totals[(Tally.Overflow, "hit")]);
        Assert.Equal(1, totals[(Tally.Overflow, "miss")]);
        Assert.Equal(2, totals[("ns-0", "hit")]);
        Assert.Equal(Tally.MaxSeries + 52, totals.Values.Sum());
        Assert.Equal("ns-0", tally.ValueOf(new TagValues("ns-0", "hit", null), "namespace"));
        Assert.Null(tally.ValueOf(new TagValues("ns-0", "hit", null), "protocol"));
    }

    [Fact]
    public void A_tally_without_an_unbounded_tag_keeps_every_series()
    {
        var tally = new Tally(null, "kind");
        for (var i = 0; i < Tally.MaxSeries + 10; i++) tally.Add(1, $"kind-{i}");
        Assert.Equal(Tally.MaxSeries + 10, tally.Totals().Count());
        Assert.DoesNotContain(tally.Totals(), s => s.Tags.First == Tally.Overflow);
    }
}
