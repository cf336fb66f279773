namespace CacheRegistry.Tests.Infrastructure;

/// <summary>
/// Base for tests that run a real server over a fresh store, with a scratch directory; subclasses
/// choose the storage configuration and any extra settings. Everything is torn down after each test.
/// </summary>
public abstract class ServerTest : IAsyncLifetime
{
    protected TestBackend Backend { get; private set; } = null!;

    protected TestServer Server { get; set; } = null!;

    protected HttpClient Http => Server.Http;

    protected string WorkDirectory { get; } = Directory.CreateTempSubdirectory("cacheregistry-work-").FullName;

    protected abstract Task<TestBackend> CreateBackendAsync();

    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>();

    public virtual async Task InitializeAsync()
    {
        Backend = await CreateBackendAsync();
        Server = await TestServer.StartAsync(new Dictionary<string, string?>(Backend.Settings.Concat(ExtraSettings)));
    }

    public virtual async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Backend.DisposeAsync();
        Directory.Delete(WorkDirectory, recursive: true);
    }
}

/// <summary>A <see cref="ServerTest"/> on the embedded default: SQLite and the filesystem.</summary>
public abstract class EmbeddedServerTest : ServerTest
{
    protected new SqliteFileSystemBackend Backend => (SqliteFileSystemBackend)base.Backend;

    protected override Task<TestBackend> CreateBackendAsync() => Task.FromResult<TestBackend>(new SqliteFileSystemBackend());
}
