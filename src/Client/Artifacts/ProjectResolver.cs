using System.Net;

namespace CacheRegistry.Client.Artifacts;

/// <summary>How <see cref="ProjectResolver.ResolveAsync"/> treats what cache.lock already holds.</summary>
public sealed record ResolveOptions
{
    /// <summary>Re-resolve every dependency, ignoring the lock.</summary>
    public bool UpdateAll { get; init; }

    /// <summary>Re-resolve these dependencies (cache.json keys); each must be one.</summary>
    public IReadOnlyCollection<string> Update { get; init; } = [];

    /// <summary>Let ranges match pre-release versions.</summary>
    public bool IncludePrerelease { get; init; }
}

/// <summary>What happened to a dependency in <see cref="ProjectResolver.ResolveAsync"/>.</summary>
public enum ResolveChange
{
    /// <summary>Kept as locked.</summary>
    Unchanged,

    /// <summary>Not in the lock before.</summary>
    Added,

    /// <summary>Re-resolved to another version than the lock had.</summary>
    Updated,
}

/// <summary>One dependency after resolution.</summary>
/// <param name="Key">As cache.json names it.</param>
/// <param name="Artifact">What the lock now holds for it.</param>
/// <param name="Change">Whether it was kept, added or moved to another version.</param>
/// <param name="PreviousVersion">The version the lock held before, if any.</param>
public sealed record ResolvedDependency(string Key, LockedArtifact Artifact, ResolveChange Change, string? PreviousVersion);

/// <summary>What <see cref="ProjectResolver.ResolveAsync"/> wrote.</summary>
/// <param name="LockPath">The cache.lock written.</param>
/// <param name="Dependencies">Every dependency, by key.</param>
/// <param name="Removed">Keys the lock held that cache.json no longer lists.</param>
public sealed record ResolveResult(string LockPath, IReadOnlyList<ResolvedDependency> Dependencies, IReadOnlyList<string> Removed);

/// <summary>A dependency matches no version on the server.</summary>
public sealed class DependencyNotFoundException(string key, string spec)
    : CacheClientException($"no version of {key} matches '{spec}'", HttpStatusCode.NotFound);

/// <summary>
/// Resolves a project's dependencies (cache.json) to exact versions and writes them to cache.lock, the
/// way package managers do: dependencies already locked under the same range stay as they are unless
/// asked to update; new or changed ones are resolved by the server (highest matching version that is
/// not yanked, or what a tag points at). Nothing is written unless every dependency resolves.
/// </summary>
public sealed class ProjectResolver(NamespaceClients clients)
{
    /// <summary>Resolves cache.json in <paramref name="projectDirectory"/> into its cache.lock.</summary>
    /// <exception cref="ProjectFileException">cache.json or cache.lock cannot be used, or an update names no dependency.</exception>
    /// <exception cref="DependencyNotFoundException">A dependency matches no version.</exception>
    public async Task<ResolveResult> ResolveAsync(string projectDirectory, ResolveOptions options, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetFullPath(projectDirectory);
        var dependenciesPath = Path.Combine(directory, ProjectDependencies.FileName);
        var lockPath = Path.Combine(directory, ProjectLock.FileName);
        var dependencies = ProjectDependencies.Load(dependenciesPath).Dependencies;
        var locked = ProjectLock.Load(lockPath);
        var keys = dependencies.Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        // Each artifact is pulled into <namespace>/<name>: two keys for one artifact would fight over it.
        if (dependencies.GroupBy(d => $"{d.Namespace ?? clients.DefaultNamespace}/{d.Name}").FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ProjectFileException(dependenciesPath, $"{string.Join(" and ", twice.Select(d => $"\"{d.Key}\""))} both name {twice.Key}; list it once");
        }
        if (options.Update.FirstOrDefault(u => !keys.Contains(u)) is { } unknown)
        {
            throw new ProjectFileException(dependenciesPath, $"cannot update \"{unknown}\": it is not a dependency (cache.json lists {(keys.Count == 0 ? "none" : string.Join(", ", keys.Order(StringComparer.Ordinal)))})");
        }

        var results = new List<ResolvedDependency>();
        foreach (var dependency in dependencies)
        {
            var ns = dependency.Namespace ?? clients.DefaultNamespace;
            var previous = locked.Artifacts.GetValueOrDefault(dependency.Key);
            var keep = !options.UpdateAll && !options.Update.Contains(dependency.Key)
                && previous is not null && previous.Spec == dependency.Spec && (previous.Namespace ?? clients.DefaultNamespace) == ns;
            if (keep)
            {
                results.Add(new ResolvedDependency(dependency.Key, previous! with { Namespace = ns }, ResolveChange.Unchanged, previous.Version));
                continue;
            }
            var info = await clients.For(ns).ResolveAsync(dependency.Name, dependency.Spec, options.IncludePrerelease, cancellationToken)
                ?? throw new DependencyNotFoundException(dependency.Key, dependency.Spec);
            var artifact = new LockedArtifact(dependency.Spec, ns, dependency.Name, info.Version, info.ManifestDigest, info.Manifest.Files, info.Manifest.Metadata, info.Signatures);
            var change = previous is null ? ResolveChange.Added : previous.Version == info.Version && previous.ManifestDigest == info.ManifestDigest ? ResolveChange.Unchanged : ResolveChange.Updated;
            results.Add(new ResolvedDependency(dependency.Key, artifact, change, previous?.Version));
        }

        var removed = locked.Artifacts.Keys.Where(k => !keys.Contains(k)).Order(StringComparer.Ordinal).ToList();
        new ProjectLock(results.ToDictionary(r => r.Key, r => r.Artifact, StringComparer.Ordinal)).Save(lockPath);
        return new ResolveResult(lockPath, results, removed);
    }
}
