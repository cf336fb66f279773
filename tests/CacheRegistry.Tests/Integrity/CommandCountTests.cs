using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Net;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace CacheRegistry.Tests.Integrity;

/// <summary>
/// How many database commands a request costs, counted by an EF Core interceptor on the request's own
/// flow: a new blob at most 2 through any protocol, a repeated one at most 1, a hit none once warm and at
/// most 1 read when cold, and never a write.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class CommandCountTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private const string CountHeader = "x-test-count";
    private readonly CommandCounter _counter = new();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Server.DisposeAsync();
        Server = await TestServer.StartAsync(Settings, services =>
        {
            services.AddHttpContextAccessor();
            services.AddSingleton<IInterceptor>(provider => _counter.Attach(provider.GetRequiredService<IHttpContextAccessor>()));
        });
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _counter.Dispose();
    }

    [BackendFact]
    public async Task A_new_blob_costs_at_most_two_commands_through_any_protocol_and_a_repeated_one_at_most_one()
    {
        var blob = TestData.Random(5_000, seed: 1);
        var digest = TestData.Digest(blob);
        await AssertCostAsync("CAS PUT, new", HttpMethod.Put, $"cas/{digest}", blob, atMost: 2, writesAtMost: 1, atLeast: 2);
        await AssertCostAsync("CAS PUT, repeated", HttpMethod.Put, $"cas/{digest}", blob, atMost: 1, writesAtMost: 0);
        await AssertCostAsync("CAS PUT, another namespace", HttpMethod.Put, $"other/cas/{digest}", blob, atMost: 2, writesAtMost: 1);

        var routes = new[] { "cache/gradle-key", "v1/cache/12345", "ccache/ab/cdef", "v8/artifacts/0123456789abcdef" };
        for (var i = 0; i < routes.Length; i++)
        {
            var value = TestData.Random(3_000, seed: 10 + i);
            await AssertCostAsync($"PUT {routes[i]}, new", HttpMethod.Put, routes[i], value, atMost: 2, writesAtMost: 1);
            if (!routes[i].StartsWith("v1/", StringComparison.Ordinal)) // Nx refuses to overwrite
            {
                await AssertCostAsync($"PUT {routes[i]}, repeated", HttpMethod.Put, routes[i], value, atMost: 1, writesAtMost: 0);
            }
        }
        // A new key whose value is stored already (the same output of two tasks).
        await AssertCostAsync("PUT, new key, stored value", HttpMethod.Put, "cache/another-key", TestData.Random(3_000, seed: 10), atMost: 2, writesAtMost: 1);
    }

    [BackendFact]
    public async Task A_hit_reads_at_most_once_when_cold_and_never_writes()
    {
        var blob = TestData.Random(5_000, seed: 2);
        var digest = TestData.Digest(blob);
        Assert.Equal(HttpStatusCode.Created, (await Http.PutAsync($"cas/{digest}", new ByteArrayContent(blob))).StatusCode);
        Assert.True((await Http.PutAsync("cache/k", new ByteArrayContent(blob))).IsSuccessStatusCode);

        await AssertCostAsync("CAS GET, cold", HttpMethod.Get, $"cas/{digest}", null, atMost: 1, writesAtMost: 0, atLeast: 1);
        await AssertCostAsync("CAS GET, warm", HttpMethod.Get, $"cas/{digest}", null, atMost: 0, writesAtMost: 0);
        await AssertCostAsync("entry GET, cold", HttpMethod.Get, "cache/k", null, atMost: 1, writesAtMost: 0);
        await AssertCostAsync("entry GET, warm", HttpMethod.Get, "cache/k", null, atMost: 0, writesAtMost: 0);
        await AssertCostAsync("CAS GET, miss", HttpMethod.Get, $"cas/{TestData.Digest([9, 9])}", null, atMost: 1, writesAtMost: 0);
    }

    [BackendFact]
    public async Task A_miss_on_the_embedded_database_costs_no_query_once_its_presence_filter_is_loaded()
    {
        var stored = TestData.Random(5_000, seed: 3);
        Assert.Equal(HttpStatusCode.Created, (await Http.PutAsync($"cas/{TestData.Digest(stored)}", new ByteArrayContent(stored))).StatusCode);
        Assert.True((await Http.PutAsync("cache/present", new ByteArrayContent(stored))).IsSuccessStatusCode);
        // With PostgreSQL, replicas write too: no filter, a miss is one query. The embedded filter loads in the background at start.
        var expected = BackendMatrix.Current == BackendMatrix.Embedded ? 0 : 1;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        for (var i = 0; ; i++)
        {
            var id = Guid.NewGuid().ToString("N");
            using var request = new HttpRequestMessage(HttpMethod.Get, $"cas/{TestData.Digest([7, (byte)i])}");
            request.Headers.Add(CountHeader, id);
            Assert.Equal(HttpStatusCode.NotFound, (await Http.SendAsync(request)).StatusCode);
            if (_counter.Take(id).Count == expected) break;
            Assert.True(DateTime.UtcNow < deadline, $"a miss still costs a query after 30 s on {BackendMatrix.Current}");
            await Task.Delay(100);
        }
        await AssertCostAsync("CAS GET, miss", HttpMethod.Get, $"cas/{TestData.Digest([8, 8])}", null, atMost: expected, writesAtMost: 0, atLeast: expected);
        await AssertCostAsync("entry GET, miss", HttpMethod.Get, "cache/absent", null, atMost: expected, writesAtMost: 0, atLeast: expected);
        // What is stored, before the start and since, is still found: the filter only ever says "certainly not" for what is absent.
        await AssertCostAsync("CAS GET, stored", HttpMethod.Get, $"cas/{TestData.Digest(stored)}", null, atMost: 1, writesAtMost: 0);
        await AssertCostAsync("entry GET, stored", HttpMethod.Get, "cache/present", null, atMost: 1, writesAtMost: 0);
        var later = TestData.Random(5_000, seed: 4);
        Assert.Equal(HttpStatusCode.Created, (await Http.PutAsync($"cas/{TestData.Digest(later)}", new ByteArrayContent(later))).StatusCode);
        Assert.Equal(later, await Http.GetByteArrayAsync($"cas/{TestData.Digest(later)}"));
    }

    private async Task AssertCostAsync(string what, HttpMethod method, string path, byte[]? body, int atMost, int writesAtMost, int atLeast = 0)
    {
        var id = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : new ByteArrayContent(body) };
        request.Headers.Add(CountHeader, id);
        var response = await Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode || (method == HttpMethod.Get && response.StatusCode == HttpStatusCode.NotFound), $"{what}: {response.StatusCode}");
        var commands = _counter.Take(id);
        Assert.True(commands.Count <= atMost, $"{what}: {commands.Count} commands, at most {atMost} expected:\n{string.Join("\n---\n", commands)}");
        Assert.True(commands.Count >= atLeast, $"{what}: {commands.Count} commands counted, at least {atLeast} expected (is the counter attached?)");
        var writes = commands.Count(IsWrite);
        Assert.True(writes <= writesAtMost, $"{what}: {writes} writing commands, at most {writesAtMost} expected:\n{string.Join("\n---\n", commands)}");
    }

    private static bool IsWrite(string sql) =>
        sql.Split([';', '\n'], StringSplitOptions.TrimEntries).Any(s => s.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase)
            || s.StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase) || s.StartsWith("DELETE", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Records the commands run for requests that carry the count header, by the header's value: those EF Core
    /// runs, and the metadata commits (which SQLite's group commit runs outside EF Core), each counted once.
    /// </summary>
    private sealed class CommandCounter : DbCommandInterceptor, IDisposable
    {
        private const string CommitSource = "CacheRegistry.Metadata";

        private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _commands = new();
        private readonly ActivityListener _commits;
        private IHttpContextAccessor? _requests;

        public CommandCounter()
        {
            _commits = new ActivityListener
            {
                ShouldListenTo = source => source.Name == CommitSource,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = commit => Record(commit.GetTagItem("db.query.text") as string ?? commit.DisplayName),
            };
            ActivitySource.AddActivityListener(_commits);
        }

        public CommandCounter Attach(IHttpContextAccessor requests)
        {
            _requests = requests;
            return this;
        }

        public IReadOnlyList<string> Take(string id) => _commands.TryRemove(id, out var commands) ? commands.ToList() : [];

        public void Dispose() => _commits.Dispose();

        private void Count(DbCommand command)
        {
            // A commit's own command is counted as the commit.
            if (Activity.Current?.Source.Name != CommitSource) Record(command.CommandText);
        }

        private void Record(string commandText)
        {
            if (_requests?.HttpContext?.Request.Headers[CountHeader].ToString() is { Length: > 0 } id)
            {
                _commands.GetOrAdd(id, _ => new ConcurrentQueue<string>()).Enqueue(commandText);
            }
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Count(command);
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            Count(command);
            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
        {
            Count(command);
            return base.ScalarExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
