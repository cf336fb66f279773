using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using CacheRegistry.Common.Api;
using CacheRegistry.Server.Audit;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CacheRegistry.Tests.Integrity;

/// <summary>
/// A dependency going down: PostgreSQL or S3 stopped under load answers 503 with Retry-After (never 500),
/// is logged once, and service resumes when it is back, without a restart; a full disk answers 507.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class OutageTests : IAsyncLifetime
{
    private PostgresServer _postgres = null!;
    private S3Emulator _s3 = null!;
    private PostgresS3Backend _store = null!;
    private TestServer _server = null!;
    private readonly string _work = Directory.CreateTempSubdirectory("cacheregistry-outage-").FullName;

    public async Task InitializeAsync()
    {
        // This test's own servers: it stops and starts them.
        _postgres = await PostgresServer.StartOwnedAsync();
        _s3 = await S3Emulator.StartAsync();
        _store = await PostgresS3Backend.CreateOnAsync(_postgres, _s3);
        _server = await TestServer.StartAsync(new Dictionary<string, string?>(_store.Settings)
        {
            ["CacheRegistry:Limits:LookupCacheTtl"] = "00:00:00", // every request goes to the database
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _store.DisposeAsync();
        await _s3.DisposeAsync();
        await _postgres.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task PostgreSQL_stopped_under_load_is_a_503_logged_once_and_service_resumes_when_it_is_back()
    {
        var stored = await PutAsync(TestData.Random(10_000, seed: 1));
        await using (var load = new Load(_server.Http, stored))
        {
            await Task.Delay(500);
            await _postgres.StopAsync();
            await Task.Delay(3000);
            var during = load.TakeStatuses();
            Assert.True(during.ContainsKey(503), $"no 503 while the database was down: {Describe(during)}");
            Assert.False(during.ContainsKey(500), $"500s while the database was down: {Describe(during)}");
            Assert.True(load.SawRetryAfter, "503 answers carry Retry-After");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _server.Http.GetAsync("readyz")).StatusCode);

            // Audit records made meanwhile are kept until the database is back.
            _server.Services.GetRequiredService<AuditLog>().Record(new AuditEvent(DateTimeOffset.UtcNow, "outage-test", "recorded while down", null, null, 200));

            await _postgres.StartAgainAsync();
            await WaitUntilAsync(async () => (await _server.Http.GetAsync("readyz")).IsSuccessStatusCode, "ready again");
            load.TakeStatuses();
            await Task.Delay(1500);
            var after = load.TakeStatuses();
            Assert.True(after.Keys.All(s => s < 400 || s == 404), $"errors after the database came back: {Describe(after)}");
        }
        await WaitUntilAsync(async () => (await _server.Http.GetFromJsonAsync<List<AuditRecord>>("api/v1/audit?actor=outage-test"))!.Count == 1,
            "the audit record written after the outage");

        // The recovery is noticed by the outage probe, every two seconds.
        await WaitUntilAsync(() => Task.FromResult(_server.Log.Any(l => l.Contains("The database is back"))), "the recovery logged");
        Assert.Single(_server.Log, l => l.Contains("The database is not available"));
        Assert.Single(_server.Log, l => l.Contains("The database is back"));
        Assert.DoesNotContain(_server.Log, l => l.Contains("Exception]")); // no stack traces, no exception per request
    }

    [Fact]
    public async Task S3_stopped_under_load_is_a_503_logged_once_and_service_resumes_when_it_is_back()
    {
        var stored = await PutAsync(TestData.Random(10_000, seed: 2));
        await using (var load = new Load(_server.Http, stored))
        {
            await Task.Delay(500);
            await _s3.StopAsync();
            await Task.Delay(3000);
            var during = load.TakeStatuses();
            Assert.True(during.ContainsKey(503), $"no 503 while S3 was down: {Describe(during)}");
            Assert.False(during.ContainsKey(500), $"500s while S3 was down: {Describe(during)}");

            await _s3.StartAgainAsync();
            await WaitUntilAsync(async () => (await _server.Http.GetAsync($"cas/{stored}")).IsSuccessStatusCode, "S3 serving again");
            load.TakeStatuses();
            await Task.Delay(1500);
            var after = load.TakeStatuses();
            Assert.True(after.Keys.All(s => s < 400 || s == 404), $"errors after S3 came back: {Describe(after)}");
        }
        Assert.True(_server.Log.Count(l => l.Contains("The object store is not available")) == 1, string.Join(" | ", _server.Log));
        Assert.DoesNotContain(_server.Log, l => l.Contains("Exception]"));
    }

    private async Task<string> PutAsync(byte[] content)
    {
        var digest = TestData.Digest(content);
        Assert.Equal(HttpStatusCode.Created, (await _server.Http.PutAsync($"cas/{digest}", new ByteArrayContent(content))).StatusCode);
        return digest.Hex;
    }

    private static string Describe(IReadOnlyDictionary<int, int> statuses) => string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}"));

    private async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (HttpRequestException)
            {
            }
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; the server logged: {string.Join(" | ", _server.Log)}");
            await Task.Delay(200);
        }
    }

    /// <summary>Reads of a stored blob, misses and new uploads, from four clients, until disposed.</summary>
    private sealed class Load : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<int, int> _statuses = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _clients;
        private volatile bool _sawRetryAfter;

        public Load(HttpClient http, string stored)
        {
            _clients = Enumerable.Range(0, 4).Select(client => Task.Run(async () =>
            {
                for (var i = 0; !_stop.IsCancellationRequested; i++)
                {
                    var content = TestData.Random(2_000, seed: client * 1_000_000 + i);
                    using var request = (i % 3) switch
                    {
                        0 => new HttpRequestMessage(HttpMethod.Get, $"cas/{stored}"),
                        1 => new HttpRequestMessage(HttpMethod.Get, $"cas/{TestData.Digest(content)}"),
                        _ => new HttpRequestMessage(HttpMethod.Put, $"cas/{TestData.Digest(content)}") { Content = new ByteArrayContent(content) },
                    };
                    try
                    {
                        using var response = await http.SendAsync(request, _stop.Token);
                        _statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                        if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null) _sawRetryAfter = true;
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    await Task.Delay(20);
                }
            })).ToList();
        }

        public bool SawRetryAfter => _sawRetryAfter;

        public IReadOnlyDictionary<int, int> TakeStatuses()
        {
            var taken = _statuses.ToDictionary(s => s.Key, s => s.Value);
            _statuses.Clear();
            return taken;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_clients);
            _stop.Dispose();
        }
    }
}
