namespace CacheRegistry.Tests.Infrastructure;

/// <summary>
/// Base for tests that need one running server on the embedded default (SQLite + filesystem) and a
/// scratch directory; both are fresh for each test.
/// </summary>
public abstract class EmbeddedServerTest : IAsyncLifetime
{
    protected SqliteFileSystemBackend Backend { get; } = new();

    protected string WorkDirectory { get; } = Directory.CreateTempSubdirectory("cacheregistry-work-").FullName;

    protected TestServer Server { get; private set; } = null!;

    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>();

    public async Task InitializeAsync() =>
        Server = await TestServer.StartAsync(new Dictionary<string, string?>(Backend.Settings.Concat(ExtraSettings)));

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Backend.DisposeAsync();
        Directory.Delete(WorkDirectory, recursive: true);
    }
}
