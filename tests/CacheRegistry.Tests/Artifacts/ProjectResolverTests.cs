using CacheRegistry.Client;
using CacheRegistry.Client.Artifacts;
using CacheRegistry.Client.Files;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Artifacts;

/// <summary>Resolution, publishing and pulling as a .NET build tool uses them: the client library, no CLI.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection(BackendCollection.Name)]
public sealed class ProjectResolverTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    [Fact]
    public async Task A_build_tool_publishes_resolves_and_pulls_through_the_library()
    {
        var options = new CacheClientOptions { Server = Server.BaseAddress, Namespace = "tools" };
        var dist = Directory.CreateDirectory(Path.Combine(WorkDirectory, "dist")).FullName;
        await File.WriteAllTextAsync(Path.Combine(dist, "gen"), "generator 1");
        using (var client = new CacheClient(options))
        {
            foreach (var version in new[] { "1.0.0", "1.4.0" })
            {
                await File.WriteAllTextAsync(Path.Combine(dist, "gen"), $"generator {version}");
                var entries = ArtifactPublisher.Collect([dist], SymlinkPolicy.Preserve, WorkDirectory);
                Assert.True((await ArtifactPublisher.PublishAsync(client, "gen", version, entries, new PublishOptions())).Created);
            }
        }

        var project = Directory.CreateDirectory(Path.Combine(WorkDirectory, "project")).FullName;
        var dependencies = Path.Combine(project, ProjectDependencies.FileName);
        await File.WriteAllTextAsync(dependencies, """{ "dependencies": { "gen": "~1.0" } }""");
        using var clients = new NamespaceClients(options);
        var resolver = new ProjectResolver(clients);

        var resolved = await resolver.ResolveAsync(project, new ResolveOptions());
        var dependency = Assert.Single(resolved.Dependencies);
        Assert.Equal(("gen", "tools", "1.0.0", ResolveChange.Added), (dependency.Key, dependency.Artifact.Namespace, dependency.Artifact.Version, dependency.Change));
        Assert.Equal(ResolveChange.Unchanged, Assert.Single((await resolver.ResolveAsync(project, new ResolveOptions())).Dependencies).Change);
        await Assert.ThrowsAsync<ProjectFileException>(() => resolver.ResolveAsync(project, new ResolveOptions { Update = ["nope"] }));

        var pulled = await new ProjectPuller(clients).PullAsync(resolved.LockPath, Path.Combine(project, "artifacts"), new PullOptions());
        Assert.Equal("generator 1.0.0", await File.ReadAllTextAsync(Path.Combine(project, "artifacts", "tools", "gen", "gen")));
        Assert.Equal(1, Assert.Single(pulled).Result.Downloaded);
        Assert.Empty(await ArtifactVerifier.VerifyAsync(ProjectLock.Load(resolved.LockPath).Artifacts["gen"], Path.Combine(project, "artifacts", "tools", "gen"), null));

        // A new range moves the lock; the pulled file then differs from it, which pull reports instead of overwriting.
        await File.WriteAllTextAsync(dependencies, """{ "dependencies": { "gen": "^1" } }""");
        var moved = Assert.Single((await resolver.ResolveAsync(project, new ResolveOptions())).Dependencies);
        Assert.Equal(("1.4.0", ResolveChange.Updated), (moved.Artifact.Version, moved.Change));
        var conflict = await Assert.ThrowsAsync<PullConflictException>(() => new ProjectPuller(clients).PullAsync(resolved.LockPath, Path.Combine(project, "artifacts"), new PullOptions()));
        Assert.Equal(["tools/gen/gen"], conflict.Paths);
        Assert.Equal("generator 1.0.0", await File.ReadAllTextAsync(Path.Combine(project, "artifacts", "tools", "gen", "gen")));
        await new ProjectPuller(clients).PullAsync(resolved.LockPath, Path.Combine(project, "artifacts"), new PullOptions { Force = true });
        Assert.Equal("generator 1.4.0", await File.ReadAllTextAsync(Path.Combine(project, "artifacts", "tools", "gen", "gen")));

        // Two keys for one artifact would be pulled into one directory: refused when resolving.
        await File.WriteAllTextAsync(dependencies, """{ "dependencies": { "gen": "~1.0", "tools/gen": "^1" } }""");
        var twice = await Assert.ThrowsAsync<ProjectFileException>(() => resolver.ResolveAsync(project, new ResolveOptions()));
        Assert.EndsWith("\"gen\" and \"tools/gen\" both name tools/gen; list it once", twice.Message);
    }
}
