namespace CacheRegistry.Tests.Infrastructure;

/// <summary>
/// Base for tests that run a real server over a fresh store, with a scratch directory. The store is
/// the configuration of the running <see cref="BackendMatrix"/> case (the embedded default for plain
/// facts); subclasses add settings. Everything is torn down after each test.
/// </summary>
public abstract class ServerTest(BackendInfrastructure infrastructure) : IAsyncLifetime
{
    protected BackendInfrastructure Infrastructure { get; } = infrastructure;

    protected TestBackend Backend { get; private set; } = null!;

    protected TestServer Server { get; set; } = null!;

    protected HttpClient Http => Server.Http;

    protected string WorkDirectory { get; } = Directory.CreateTempSubdirectory("cacheregistry-work-").FullName;

    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>();

    /// <summary>The settings the test's server was started with: the store's, then the test's own.</summary>
    protected IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(Backend.Settings.Concat(ExtraSettings));

    public virtual async Task InitializeAsync()
    {
        Backend = await TestBackend.CreateAsync(BackendMatrix.Current, Infrastructure);
        Server = await TestServer.StartAsync(Settings);
    }

    /// <summary>Starts a second server over the same store (its own data directory, the same database and storage).</summary>
    protected Task<TestServer> StartReplicaAsync(string name = "replica") =>
        TestServer.StartAsync(new Dictionary<string, string?>(Backend.ReplicaSettings(Path.Combine(WorkDirectory, name)).Concat(ExtraSettings)));

    public virtual async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Backend.DisposeAsync();
        Directory.Delete(WorkDirectory, recursive: true);
    }
}
