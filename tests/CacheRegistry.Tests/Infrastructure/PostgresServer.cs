using Docker.DotNet.Models;
using Npgsql;
using Testcontainers.PostgreSql;

namespace CacheRegistry.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL the tests use, chosen once per run: the server named by CACHEREGISTRY_TEST_POSTGRES
/// when that is set; else a Testcontainers container when a Docker engine answers; else a throwaway
/// cluster started from the machine's binaries (initdb + pg_ctl) on a free loopback port in a
/// temporary directory. <see cref="Description"/> says which.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string ConnectionStringVariable = "CACHEREGISTRY_TEST_POSTGRES";

    private const string ContainerImage = "postgres:17-alpine";

    // A socket file with nothing behind it must not hold up the run: the probe gives up after this.
    private static readonly TimeSpan DockerProbeBudget = TimeSpan.FromSeconds(2);

    private readonly Func<ValueTask> _stop;
    private readonly LocalCluster? _cluster;

    private PostgresServer(string connectionString, string description, Func<ValueTask> stop, LocalCluster? cluster = null)
    {
        ConnectionString = connectionString;
        Description = description;
        _stop = stop;
        _cluster = cluster;
    }

    /// <summary>Connection string of the maintenance database.</summary>
    public string ConnectionString { get; }

    /// <summary>Which PostgreSQL this is, for the test output.</summary>
    public string Description { get; }

    public static async Task<PostgresServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } given)
        {
            return new PostgresServer(given, $"the server in {ConnectionStringVariable}", () => ValueTask.CompletedTask);
        }
        return await DockerEngine.FindAsync(DockerProbeBudget) is { } docker
            ? await StartContainerAsync(docker)
            : await StartFromBinariesAsync();
    }

    private static async Task<PostgresServer> StartContainerAsync(Uri docker)
    {
        var container = new PostgreSqlBuilder(ContainerImage)
            .WithDockerEndpoint(docker.ToString())
            // fsync off: a test database need not survive a power cut; the suite opens many connections.
            .WithCommand("-c", "fsync=off", "-c", "max_connections=300")
            .WithCreateParameterModifier(parameters => PublishOnLoopbackOnly(parameters, docker))
            .Build();
        try
        {
            await container.StartAsync();
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
        return new PostgresServer(container.GetConnectionString(),
            $"a Testcontainers container ({ContainerImage}, Docker engine at {docker})", container.DisposeAsync);
    }

    // Docker publishes ports on every interface unless told otherwise; an engine on this machine is told 127.0.0.1.
    private static void PublishOnLoopbackOnly(CreateContainerParameters parameters, Uri docker)
    {
        var local = docker.Scheme == "unix" || (docker.Scheme == "tcp" && docker.IsLoopback);
        if (!local || parameters.HostConfig?.PortBindings is not { } ports) return;
        foreach (var binding in ports.Values.SelectMany(bindings => bindings ?? [])) binding.HostIP = "127.0.0.1";
    }

    /// <summary>
    /// A cluster of the caller's own from the machine's binaries, whatever else is configured: one it
    /// can stop and start again (<see cref="StopAsync"/>, <see cref="StartAgainAsync"/>) to stage an outage.
    /// </summary>
    public static Task<PostgresServer> StartOwnedAsync() => StartFromBinariesAsync();

    /// <summary>Stops the cluster at once (an outage, as far as its clients can tell).</summary>
    public Task StopAsync() => Cluster.StopAsync();

    /// <summary>Starts the stopped cluster again, on the same port and data.</summary>
    public Task StartAgainAsync() => Cluster.StartAsync();

    private LocalCluster Cluster => _cluster ?? throw new InvalidOperationException("only a cluster from StartOwnedAsync can be stopped and started again");

    private static async Task<PostgresServer> StartFromBinariesAsync()
    {
        var bin = FindBinDirectory();
        // PostgreSQL refuses to run as root; as root, run it as the postgres account the package creates.
        var runAs = Environment.IsPrivilegedProcess ? "postgres" : null;
        var directory = Directory.CreateTempSubdirectory("cacheregistry-pg-").FullName;
        var data = Path.Combine(directory, "data");
        if (runAs is not null) await Processes.RunAsync("chown", ["-R", runAs, directory]);

        await RunAsync(bin, runAs, "initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
        var cluster = new LocalCluster(bin, runAs, directory, Net.FreeLoopbackPort());
        await cluster.StartAsync();

        var connectionString = $"Host=127.0.0.1;Port={cluster.Port};Username=postgres;Database=postgres";
        return new PostgresServer(connectionString, $"the machine's PostgreSQL binaries ({bin}) on 127.0.0.1:{cluster.Port}, no Docker engine answered",
            cluster.DisposeAsync, cluster);
    }

    /// <summary>A cluster in a temporary directory, run by pg_ctl.</summary>
    private sealed record LocalCluster(string Bin, string? RunAs, string Directory, int Port)
    {
        private string Data => Path.Combine(Directory, "data");

        // fsync off (-F): a test database need not survive a power cut.
        public Task StartAsync() => RunAsync(Bin, RunAs, "pg_ctl", ["-D", Data, "-l", Path.Combine(Directory, "postgres.log"), "-w", "-t", "60",
            "-o", $"-h 127.0.0.1 -p {Port} -k {Directory} -F -c max_connections=300", "start"]);

        public Task StopAsync() => RunAsync(Bin, RunAs, "pg_ctl", ["-D", Data, "-m", "immediate", "-w", "stop"]);

        public async ValueTask DisposeAsync()
        {
            try
            {
                await StopAsync();
            }
            catch (InvalidOperationException)
            {
                // Stopped already (by a test that staged an outage).
            }
            finally
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"cacheregistry_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Closes this process's pooled connections to the database and drops it.</summary>
    public async Task DropDatabaseAsync(string connectionString)
    {
        NpgsqlConnection.ClearAllPools();
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    public ValueTask DisposeAsync() => _stop();

    private static Task<string> RunAsync(string bin, string? runAs, string tool, IEnumerable<string> arguments)
    {
        var executable = Path.Combine(bin, tool);
        return runAs is null
            ? Processes.RunAsync(executable, arguments)
            : Processes.RunAsync("runuser", new[] { "-u", runAs, "--", executable }.Concat(arguments));
    }

    // Debian keeps the server binaries out of PATH, under /usr/lib/postgresql/<version>/bin.
    private static string FindBinDirectory()
    {
        var versioned = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        if (versioned is not null) return versioned;
        if (CacheRegistry.Client.Actions.Executables.Resolve("pg_ctl", Environment.CurrentDirectory) is { } onPath) return Path.GetDirectoryName(Path.GetFullPath(onPath))!;
        throw new InvalidOperationException(
            $"PostgreSQL server binaries (initdb, pg_ctl) were not found: install them (apt-get install -y postgresql) or set {ConnectionStringVariable}.");
    }
}
