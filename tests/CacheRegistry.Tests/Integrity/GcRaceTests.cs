using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Integrity;

/// <summary>
/// For a minute, writers in the manner of cache exec (find-missing, upload what is missing, write the
/// action entry) and readers (entry, then every output it names) race garbage collection passes that
/// evict most of the store: no hit may name an output that answers 404 within the presence grace period
/// that the hit starts, and no entry may name a missing blob.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class GcRaceTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan PresenceGracePeriod = TimeSpan.FromSeconds(2);

    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>
    {
        ["CacheRegistry:Gc:Interval"] = "01:00:00", // the test runs passes back to back
        ["CacheRegistry:Gc:GlobalMaxBytes"] = "1500000",
        ["CacheRegistry:Gc:LowWaterRatio"] = "0.5",
        ["CacheRegistry:Gc:PresenceGracePeriod"] = PresenceGracePeriod.ToString(),
    };

    [BackendFact]
    public async Task Writers_readers_and_garbage_collection_for_a_minute_never_leave_a_hit_naming_a_missing_blob()
    {
        var written = new ConcurrentDictionary<Sha256Digest, Sha256Digest[]>();
        var violations = new ConcurrentQueue<string>();
        long hits = 0, timelyHits = 0, refusedWrites = 0, evicted = 0;
        using var stop = new CancellationTokenSource(Duration);

        var writers = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            for (var step = 0; !stop.IsCancellationRequested; step++)
            {
                var outputs = new[]
                {
                    TestData.Random(20_000, seed: writer * 1_000_000 + step),
                    TestData.Random(20_000, seed: 900_000_000 + step % 25), // shared by many steps
                    TestData.Compressible(15_000, seed: writer * 1_000_000 + step),
                    TestData.Random(1_000, seed: 800_000_000 + step % 25), // inline (kept in its metadata row), shared: evicted and stored again
                };
                var key = TestData.Digest(Encoding.UTF8.GetBytes($"step {writer} {step}"));
                if (!await WriteStepAsync(key, outputs)) Interlocked.Increment(ref refusedWrites);
                else written[key] = outputs.Select(TestData.Digest).ToArray();
            }
        })).ToList();

        var readers = Enumerable.Range(0, 3).Select(reader => Task.Run(async () =>
        {
            var random = new Random(reader);
            while (!stop.IsCancellationRequested)
            {
                var keys = written.Keys.ToArray();
                if (keys.Length == 0)
                {
                    await Task.Delay(10);
                    continue;
                }
                var key = keys[random.Next(keys.Length)];
                var sinceAsked = Stopwatch.StartNew();
                var entry = await Http.GetAsync($"ac/{key}");
                if (entry.StatusCode != HttpStatusCode.OK) continue;
                Interlocked.Increment(ref hits);
                foreach (var output in Outputs(await entry.Content.ReadAsByteArrayAsync()))
                {
                    var read = await Http.GetAsync($"cas/{output}");
                    // A hit protects its outputs for the grace period; a read that comes later (a loaded
                    // machine) may find one evicted, as the cache promises.
                    var elapsed = sinceAsked.Elapsed;
                    if (read.StatusCode != HttpStatusCode.OK && elapsed < PresenceGracePeriod)
                    {
                        var blob = await Http.GetAsync($"api/v1/blobs/{output}");
                        violations.Enqueue($"hit ac/{key} names cas/{output}, which answers {(int)read.StatusCode} {elapsed.TotalMilliseconds:0} ms after the hit was asked for"
                            + $" (the blob now: {(int)blob.StatusCode} {await blob.Content.ReadAsStringAsync()})");
                    }
                }
                if (sinceAsked.Elapsed < PresenceGracePeriod) Interlocked.Increment(ref timelyHits);
            }
        })).ToList();

        var collector = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var report = await (await Http.PostAsync("api/v1/admin/gc", null)).Content.ReadFromJsonAsync<JsonElement>();
                Interlocked.Add(ref evicted, report.GetProperty("evictedBlobs").GetInt64());
            }
        });

        await Task.WhenAll(writers.Concat(readers).Append(collector));
        Assert.True(violations.IsEmpty, string.Join("\n", violations.Concat(Server.Log.Take(20))));
        Assert.True(timelyHits > 50 && evicted >= 10 && written.Count > 50,
            $"the race was not exercised: {timelyHits} of {hits} hits read within the grace period, {evicted} evictions, {written.Count} entries");

        // Afterwards, after one more pass: every entry still served names only blobs that are there.
        await Http.PostAsync("api/v1/admin/gc", null);
        Assert.Equal(0, await IntegrityProbe.IncompleteEntriesAsync(Server));
        foreach (var key in written.Keys)
        {
            var entry = await Http.GetAsync($"ac/{key}");
            if (entry.StatusCode != HttpStatusCode.OK) continue;
            foreach (var output in Outputs(await entry.Content.ReadAsByteArrayAsync()))
            {
                Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"cas/{output}")).StatusCode);
            }
        }
    }

    /// <summary>Uploads what the server lacks, then writes the entry; a refusal (an output evicted meanwhile) means uploading everything and trying once more.</summary>
    private async Task<bool> WriteStepAsync(Sha256Digest key, byte[][] outputs)
    {
        var digests = outputs.Select(TestData.Digest).ToArray();
        var missing = (await (await Http.PostAsJsonAsync("api/v1/cas/find-missing", new FindMissingRequest(digests.Select(d => d.Hex).ToList())))
            .Content.ReadFromJsonAsync<FindMissingResponse>())!.Missing.ToHashSet();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            foreach (var output in outputs.Where(o => attempt > 0 || missing.Contains(TestData.Digest(o).Hex)))
            {
                var put = await Http.PutAsync($"cas/{TestData.Digest(output)}", new ByteArrayContent(output));
                Assert.True(put.IsSuccessStatusCode, $"upload answered {put.StatusCode}");
            }
            var manifest = JsonSerializer.SerializeToUtf8Bytes(new { outputs = digests.Select(d => d.Hex) });
            var entry = await Http.PutAsync($"ac/{key}", new ByteArrayContent(manifest));
            if (entry.IsSuccessStatusCode) return true;
            Assert.Equal(HttpStatusCode.Conflict, entry.StatusCode);
        }
        return false;
    }

    private static IEnumerable<string> Outputs(byte[] manifest) =>
        JsonDocument.Parse(manifest).RootElement.GetProperty("outputs").EnumerateArray().Select(o => o.GetString()!);
}
