using System.Collections.Concurrent;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Unit;

/// <summary>
/// The in-memory record of blob uses, which protects what a client was just told about from eviction:
/// a use is always either still in memory or already in the database, however it races the flushes.
/// </summary>
public sealed class AccessTrackerTests
{
    [Fact]
    public async Task A_use_racing_flushes_is_always_in_memory_or_written()
    {
        var tracker = new AccessTracker(TimeProvider.System);
        var digests = Enumerable.Range(0, 4).Select(i => TestData.Digest([(byte)i])).ToArray();
        var database = new ConcurrentDictionary<string, DateTimeOffset>(); // what the flushes wrote: each blob's last use
        long lost = 0, checks = 0, flushes = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));

        var flusher = DedicatedThread.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var snapshot = tracker.TakeSnapshot();
                foreach (var (digest, _, last) in snapshot.Blobs) database.AddOrUpdate(digest, last, (_, seen) => seen > last ? seen : last);
                tracker.Written();
                flushes++;
            }
        });
        var users = Enumerable.Range(0, 3).Select(user => DedicatedThread.Run(() =>
        {
            var random = new Random(user);
            var recent = new Queue<(Sha256Digest Digest, DateTimeOffset At)>();
            while (!stop.IsCancellationRequested)
            {
                var digest = digests[random.Next(digests.Length)];
                var at = TimeProvider.System.GetUtcNow();
                tracker.RecordBlobPresence(digest);
                recent.Enqueue((digest, at));
                if (recent.Count > 64) recent.Dequeue();
                // What eviction asks: memory first, then the database (a flush writes before it lets go).
                foreach (var (used, since) in recent)
                {
                    Interlocked.Increment(ref checks);
                    if (tracker.UsedSince(used, since)) continue;
                    if (!database.TryGetValue(used.Hex, out var written) || written < since) Interlocked.Increment(ref lost);
                }
            }
        })).ToList();

        await Task.WhenAll(users.Append(flusher));
        Assert.Equal(0, lost);
        Assert.True(flushes > 1_000 && checks > 100_000, $"the race was not exercised: {flushes} flushes, {checks} checks");
    }
}
