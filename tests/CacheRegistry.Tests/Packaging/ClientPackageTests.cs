using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Packaging;

/// <summary>
/// The client library as a consumer gets it: packed with <c>dotnet pack</c>, referenced by a new console
/// project from a local folder feed (dependencies from the usual NuGet sources), built, and run against
/// a real server: one build step misses, then hits in a second process with an empty local tier.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class ClientPackageTests : IAsyncLifetime
{
    // A version of its own per run: the NuGet package folder must not hand back an older build.
    private readonly string _version = $"0.1.0-test.{Guid.NewGuid():N}";
    private readonly SqliteFileSystemBackend _backend = new();
    private TestServer Server { get; set; } = null!;

    private string WorkDirectory { get; } = Directory.CreateTempSubdirectory("cacheregistry-package-").FullName;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(_backend.Settings);

    [Fact]
    public async Task A_console_project_built_from_the_package_runs_a_step_that_misses_then_hits()
    {
        var feed = Path.Combine(WorkDirectory, "feed");
        await DotnetAsync(RepositoryRoot.Path, "pack", Path.Combine("src", "Client"), "--configuration", "Release", "--output", feed, $"-p:Version={_version}");
        Assert.Single(Directory.GetFiles(feed, $"CacheRegistry.Client.{_version}.nupkg"));

        var consumer = WriteConsumerProject(feed);
        await DotnetAsync(consumer, "build", "--configuration", "Release", "--output", Path.Combine(consumer, "out"));
        var program = Path.Combine(consumer, "out", "consumer.dll");

        var workspace = Directory.CreateDirectory(Path.Combine(WorkDirectory, "workspace")).FullName;
        await File.WriteAllTextAsync(Path.Combine(workspace, "in.txt"), "built through the cache\n");
        var runs = Path.Combine(WorkDirectory, "runs.log");

        var first = await DotnetAsync(workspace, program, Server.BaseAddress.ToString(), workspace, Path.Combine(WorkDirectory, "local-1"), runs);
        Assert.Contains("outcome Miss, exit 0", first);
        File.Delete(Path.Combine(workspace, "out", "result.txt"));

        var second = await DotnetAsync(workspace, program, Server.BaseAddress.ToString(), workspace, Path.Combine(WorkDirectory, "local-2"), runs);
        Assert.Contains("outcome RemoteHit, exit 0", second);
        Assert.Equal("BUILT THROUGH THE CACHE\n", await File.ReadAllTextAsync(Path.Combine(workspace, "out", "result.txt")));
        Assert.Single(await File.ReadAllLinesAsync(runs)); // the step itself ran once
    }

    private string WriteConsumerProject(string feed)
    {
        var directory = Directory.CreateDirectory(Path.Combine(WorkDirectory, "consumer")).FullName;
        // Stops MSBuild from picking up the settings of any folder above (central versions, warnings as errors).
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(directory, "Directory.Packages.props"), "<Project />");
        // The local feed is added to the sources the machine already uses, which serve the dependencies.
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <add key="cacheregistry-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(directory, "consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <NoWarn>$(NoWarn);NU1603</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="CacheRegistry.Client" Version="{_version}" />
              </ItemGroup>
            </Project>
            """);
        // The step upper-cases a file; it also appends to a log outside the workspace, to count its runs.
        File.WriteAllText(Path.Combine(directory, "Program.cs"), """
            using CacheRegistry.Client;
            using CacheRegistry.Client.Actions;

            var (server, root, localTier, runLog) = (args[0], args[1], args[2], args[3]);
            using var client = new CacheClient(new CacheClientOptions { Server = new Uri(server), Namespace = "package-test" });
            var executor = new ActionExecutor(client, new LocalActionCache(localTier, 1L << 30), Console.Out, Console.Error);
            var step = new ActionDefinition
            {
                Command = ["sh", "-c", $"echo ran >> '{runLog}' && mkdir -p out && tr a-z A-Z < in.txt > out/result.txt"],
                Root = root,
                Inputs = ["in.txt"],
                Outputs = ["out/result.txt"],
            };
            var result = await executor.RunAsync(step, new ExecOptions(), Stream.Null, Console.OpenStandardError());
            Console.WriteLine($"key {result.Key}, outcome {result.Outcome}, exit {result.ExitCode}");
            return result.ExitCode;
            """);
        return directory;
    }

    private static Task<string> DotnetAsync(string workingDirectory, params string[] arguments) =>
        Processes.RunAsync("dotnet", arguments, workingDirectory, timeout: TimeSpan.FromMinutes(5));

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await _backend.DisposeAsync();
        Directory.Delete(WorkDirectory, recursive: true);
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var extracted = Path.Combine(packages, "cacheregistry.client", _version);
        if (Directory.Exists(extracted)) Directory.Delete(extracted, recursive: true);
    }
}
