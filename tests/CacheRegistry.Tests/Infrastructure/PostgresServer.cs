using Npgsql;

namespace CacheRegistry.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL started from the machine's binaries (initdb + pg_ctl) on a free loopback
/// port in a temporary directory, or the server named by CACHEREGISTRY_TEST_POSTGRES when that is set.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string ConnectionStringVariable = "CACHEREGISTRY_TEST_POSTGRES";

    private readonly string? _directory;
    private readonly string? _binDirectory;
    private readonly string? _runAs;
    private readonly int _port;

    private PostgresServer(string connectionString, string? directory, string? binDirectory, string? runAs, int port)
    {
        ConnectionString = connectionString;
        _directory = directory;
        _binDirectory = binDirectory;
        _runAs = runAs;
        _port = port;
    }

    /// <summary>Whether this server was started here (and so can be stopped and started again by a test).</summary>
    public bool IsOwned => _directory is not null;

    /// <summary>Connection string of the maintenance database.</summary>
    public string ConnectionString { get; }

    public static async Task<PostgresServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } given) return new PostgresServer(given, null, null, null, 0);
        return await StartOwnedAsync();
    }

    /// <summary>A server of this test's own, from the machine's binaries, whatever CACHEREGISTRY_TEST_POSTGRES says.</summary>
    public static async Task<PostgresServer> StartOwnedAsync()
    {

        var bin = FindBinDirectory();
        // PostgreSQL refuses to run as root; as root, run it as the postgres account the package creates.
        var runAs = Environment.IsPrivilegedProcess ? "postgres" : null;
        var directory = Directory.CreateTempSubdirectory("cacheregistry-pg-").FullName;
        var data = Path.Combine(directory, "data");
        if (runAs is not null) await Processes.RunAsync("chown", ["-R", runAs, directory]);

        await RunAsync(bin, runAs, "initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
        var port = Net.FreeLoopbackPort();
        var server = new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres", directory, bin, runAs, port);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the (stopped) server again, on the same port and data.</summary>
    public Task StartAgainAsync() =>
        // fsync off (-F): a test database need not survive a power cut.
        RunAsync(Owned(_binDirectory), _runAs, "pg_ctl", ["-D", Path.Combine(_directory!, "data"), "-l", Path.Combine(_directory!, "postgres.log"), "-w", "-t", "60",
            "-o", $"-h 127.0.0.1 -p {_port} -k {_directory} -F -c max_connections=300", "start"]);

    /// <summary>Stops the server at once (an outage, as far as its clients can tell).</summary>
    public Task StopAsync() =>
        RunAsync(Owned(_binDirectory), _runAs, "pg_ctl", ["-D", Path.Combine(_directory!, "data"), "-m", "immediate", "-w", "stop"]);

    private static string Owned(string? bin) => bin ?? throw new InvalidOperationException("only a server started here can be stopped and started");

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

    public async ValueTask DisposeAsync()
    {
        if (_directory is null) return;
        try
        {
            await RunAsync(_binDirectory!, _runAs, "pg_ctl", ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

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
