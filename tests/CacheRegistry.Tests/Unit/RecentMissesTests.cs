using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Namespaces;

namespace CacheRegistry.Tests.Unit;

public sealed class RecentMissesTests
{
    private static readonly NamespaceName Team = NamespaceName.Parse("team");

    [Fact]
    public void Each_miss_is_taken_once_oldest_first_and_a_storm_keeps_its_latest()
    {
        var misses = new RecentMisses(TimeProvider.System);
        for (var i = 0; i < 10; i++) misses.Record("bazel", Team, $"k{i}");
        Assert.Equal(10, misses.Peek().Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"k{i}"), misses.Take().Select(m => m.Key));
        Assert.Empty(misses.Take());

        Parallel.For(0, 3 * RecentMisses.Capacity, i => misses.Record("nx", Team, $"storm{i}"));
        var taken = misses.Take();
        Assert.Equal(RecentMisses.Capacity, taken.Count);
        Assert.Equal(RecentMisses.Capacity, taken.Select(m => m.Key).Distinct().Count());
        Assert.Empty(misses.Peek());

        misses.Record("gradle", Team, new string('x', 300));
        Assert.Equal(255, Assert.Single(misses.Take()).Key.Length);
    }
}
