using System.Net;
using System.Net.Http.Headers;
using CacheRegistry.Server.Dashboard.History;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CacheRegistry.Tests.Dashboard;

/// <summary>
/// The dashboard's history on both storage configurations: each replica writes its counters' per-minute
/// increases under its own name, readers sum the replicas, minutes are folded into hours after a day, and
/// everything goes after the retention. Garbage collection passes are recorded with what they evicted.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class RollupTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private const string Namespace = "team-a";

    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>
    {
        ["CacheRegistry:Dashboard:History:FlushInterval"] = "00:00:00.200",
        ["CacheRegistry:Dashboard:History:MaintenanceInterval"] = "01:00:00", // run by the tests
        ["CacheRegistry:Gc:Interval"] = "01:00:00",
        ["CacheRegistry:Gc:PresenceGracePeriod"] = "00:00:00",
        ["CacheRegistry:Gc:LowWaterRatio"] = "0.5",
        [$"CacheRegistry:Gc:Namespaces:{Namespace}:MaxBytes"] = "3000",
    };

    [BackendFact]
    public async Task Hits_misses_and_writes_are_written_per_minute_under_the_replicas_name()
    {
        var minute = CounterRecorder.MinuteOf(DateTimeOffset.UtcNow);
        var digest = await PutAsync(Http, TestData.Random(100, seed: 11));
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"{Namespace}/cas/{digest}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"{Namespace}/cas/{TestData.Digest([1, 2, 3]).Hex}")).StatusCode);

        var rollups = Server.Services.GetRequiredService<RollupCatalog>();
        var points = await EventuallyAsync(() => rollups.SeriesAsync(minute, minute + 2, 1, CancellationToken.None),
            p => Total(p, Metrics.Hits) == 3 && Total(p, Metrics.Misses) == 1);
        Assert.Equal(1, Total(points, Metrics.Writes));
        Assert.All(points.Where(p => p.Protocol == "cas"), p => Assert.Equal(Namespace, p.Namespace));
        Assert.Contains(points, p => p.Metric == Metrics.Requests && p.Label == "2xx" && p.Value >= 4);
        Assert.Contains(points, p => p.Metric == Metrics.Errors && p.Label == "404" && p.Value == 1);
        Assert.Contains(points, p => p.Metric == Metrics.BytesIn && p.Value >= 100);
        Assert.Equal([Server.Services.GetRequiredService<ReplicaName>().Value], await rollups.ReplicasAsync(minute, CancellationToken.None));
        // The recent miss went to the database with its key and protocol.
        var misses = await EventuallyAsync(() => Server.Services.GetRequiredService<RecentMissCatalog>().RecentAsync(Namespace, 10, CancellationToken.None), m => m.Count == 1);
        Assert.Equal(("cas", TestData.Digest([1, 2, 3]).Hex), (misses[0].Protocol, misses[0].Key));
    }

    [BackendFact]
    public async Task Each_replica_writes_its_own_rows_and_the_dashboard_sums_them()
    {
        await using var replica = await StartReplicaAsync();
        var minute = CounterRecorder.MinuteOf(DateTimeOffset.UtcNow);
        var digest = await PutAsync(Http, TestData.Random(100, seed: 12));
        for (var i = 0; i < 2; i++) Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"{Namespace}/cas/{digest}")).StatusCode);
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, (await replica.Http.GetAsync($"{Namespace}/cas/{digest}")).StatusCode);

        var rollups = Server.Services.GetRequiredService<RollupCatalog>();
        await EventuallyAsync(() => rollups.ReplicasAsync(minute, CancellationToken.None), r => r.Count == 2);
        Assert.Contains(replica.Services.GetRequiredService<ReplicaName>().Value, await rollups.ReplicasAsync(minute, CancellationToken.None));
        // Either server's dashboard shows both replicas' hits: its own (written or not yet) and the other's (written).
        foreach (var server in new[] { Server, replica })
        {
            var history = await EventuallyAsync(() => server.Services.GetRequiredService<CounterHistory>().ReadAsync(HistoryRange.Hour, CancellationToken.None),
                h => Total(h.Points, Metrics.Hits) == 7);
            Assert.Equal(0, Total(history.Points, Metrics.Misses));
        }
    }

    [BackendFact]
    public async Task Minutes_are_folded_into_hours_after_a_day_and_everything_goes_after_the_retention()
    {
        var rollups = Server.Services.GetRequiredService<RollupCatalog>();
        var history = Server.Services.GetRequiredService<CounterHistory>();
        var now = DateTimeOffset.UtcNow;
        var hourAgo2Days = CounterRecorder.MinuteOf(now - TimeSpan.FromDays(2)) / 60 * 60;
        var recent = CounterRecorder.MinuteOf(now) - 5;
        await rollups.AddAsync("replica-1", [Delta(hourAgo2Days + 1, 3), Delta(hourAgo2Days + 30, 4), Delta(recent, 10)], CancellationToken.None);
        await rollups.AddAsync("replica-2", [Delta(hourAgo2Days + 59, 5), Delta(recent, 1)], CancellationToken.None);
        await rollups.AddAsync("replica-2", [Delta(hourAgo2Days + 59, 2)], CancellationToken.None); // the same minute again adds up

        Assert.True(await history.MaintainAsync(now, CancellationToken.None));
        var rows = await rollups.RowCountsAsync(CancellationToken.None);
        Assert.Equal(1, rows[RollupCatalog.HourStep]); // one hourly row for both replicas' three minutes
        Assert.Equal(2, rows[RollupCatalog.MinuteStep]); // the recent minute of each replica stays as it is
        var week = await rollups.SeriesAsync(hourAgo2Days - 60, CounterRecorder.MinuteOf(now) + 1, 60, CancellationToken.None);
        Assert.Equal(14, week.Single(p => p.Bucket == hourAgo2Days).Value);
        Assert.Equal(11, week.Where(p => p.Bucket >= recent / 60 * 60).Sum(p => p.Value));

        // A replica that writes an old minute late (it could not reach the database) is folded in at the next run.
        await rollups.AddAsync("replica-3", [Delta(hourAgo2Days + 10, 6)], CancellationToken.None);
        await history.MaintainAsync(now, CancellationToken.None);
        week = await rollups.SeriesAsync(hourAgo2Days - 60, CounterRecorder.MinuteOf(now) + 1, 60, CancellationToken.None);
        Assert.Equal(20, week.Single(p => p.Bucket == hourAgo2Days).Value);
        Assert.Equal(1, (await rollups.RowCountsAsync(CancellationToken.None))[RollupCatalog.HourStep]);

        // After the retention (30 days) nothing of it is left.
        await history.MaintainAsync(now + TimeSpan.FromDays(31), CancellationToken.None);
        Assert.Empty(await rollups.RowCountsAsync(CancellationToken.None));
    }

    [BackendFact]
    public async Task A_garbage_collection_pass_is_recorded_with_what_it_evicted_why_and_the_bytes_freed()
    {
        for (var i = 0; i < 5; i++) await PutAsync(Http, TestData.Random(1000, seed: 20 + i)); // random bytes do not compress: 5000 stored, quota 3000
        var report = await Http.PostAsync("api/v1/admin/gc", null);
        Assert.Equal(HttpStatusCode.OK, report.StatusCode);

        var pass = Assert.Single(await Server.Services.GetRequiredService<GcPassCatalog>().RecentAsync(10, CancellationToken.None));
        var eviction = Assert.Single(pass.Report.Evictions);
        Assert.Equal((Namespace, "quota"), (eviction.Namespace, eviction.Reason));
        Assert.InRange(eviction.Blobs, 4, 5); // down to the low-water mark, 1500 bytes
        Assert.Equal(eviction.Blobs * 1000, eviction.Bytes);
        Assert.Equal(eviction.Bytes, pass.Report.FreedBytes);
        Assert.True(pass.FinishedAt >= pass.StartedAt);

        await Server.Services.GetRequiredService<CounterHistory>().MaintainAsync(DateTimeOffset.UtcNow + TimeSpan.FromDays(31), CancellationToken.None);
        Assert.Empty(await Server.Services.GetRequiredService<GcPassCatalog>().RecentAsync(10, CancellationToken.None));
    }

    private static RollupDelta Delta(long minute, long value) => new(minute, Metrics.Hits, "cas", Namespace, "", value);

    private static long Total(IEnumerable<RollupPoint> points, string metric) => points.Where(p => p.Metric == metric).Sum(p => p.Value);

    private static async Task<string> PutAsync(HttpClient http, byte[] content)
    {
        var digest = TestData.Digest(content).Hex;
        using var response = await http.PutAsync($"{Namespace}/cas/{digest}", new ByteArrayContent(content));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return digest;
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the history to be written");
            await Task.Delay(100);
        }
    }
}
