using Xunit.Abstractions;
using Xunit.Sdk;

namespace CacheRegistry.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server and S3 emulator shared by every test of the run, started on first use and
/// stopped when the run ends. Which PostgreSQL it started goes to the test output.
/// </summary>
public sealed class BackendInfrastructure(IMessageSink diagnostics) : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PostgresServer? _postgres;
    private S3Emulator? _s3;

    public async Task<PostgresServer> PostgresAsync() => await StartOnceAsync(() => _postgres, StartPostgresAsync, p => _postgres = p);

    private async Task<PostgresServer> StartPostgresAsync()
    {
        var postgres = await PostgresServer.StartAsync();
        var line = $"PostgreSQL for this run: {postgres.Description}";
        diagnostics.OnMessage(new DiagnosticMessage(line)); // shown by `dotnet test` (xunit.runner.json: diagnosticMessages)
        Console.WriteLine(line);                            // and in the test host's output, for other runners
        return postgres;
    }

    public async Task<S3Emulator> S3Async() => await StartOnceAsync(() => _s3, S3Emulator.StartAsync, s => _s3 = s);

    private async Task<T> StartOnceAsync<T>(Func<T?> current, Func<Task<T>> start, Action<T> keep) where T : class
    {
        await _gate.WaitAsync();
        try
        {
            if (current() is { } running) return running;
            var started = await start();
            keep(started);
            return started;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_s3 is not null) await _s3.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }
}

/// <summary>Test classes that start servers share the infrastructure and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class BackendCollection : ICollectionFixture<BackendInfrastructure>
{
    public const string Name = "backends";
}
