namespace CacheRegistry.Client.Artifacts;

/// <summary>One artifact of a lock after <see cref="ProjectPuller.PullAsync"/>.</summary>
/// <param name="Key">As cache.json names it.</param>
/// <param name="Artifact">What the lock holds for it.</param>
/// <param name="Directory">Where it was placed.</param>
/// <param name="Result">What the pull did there.</param>
public sealed record ProjectPullResult(string Key, LockedArtifact Artifact, string Directory, PullResult Result);

/// <summary>
/// Pulls everything a cache.lock holds into <c>&lt;artifacts&gt;/&lt;namespace&gt;/&lt;name&gt;/</c>,
/// exactly the locked versions. Every directory is compared with its artifact before anything is
/// downloaded, so a locally edited file stops the whole pull (unless forced) before any change.
/// </summary>
public sealed class ProjectPuller(NamespaceClients clients)
{
    /// <summary>Where a locked artifact goes below the artifacts directory.</summary>
    public static string DirectoryFor(string artifactsDirectory, LockedArtifact artifact, string defaultNamespace) =>
        Path.Combine(Path.GetFullPath(artifactsDirectory), artifact.Namespace ?? defaultNamespace, artifact.Name);

    /// <summary>Pulls every artifact of the lock at <paramref name="lockPath"/>.</summary>
    /// <exception cref="ProjectFileException">The lock is missing, empty, or does not match its manifest digests.</exception>
    /// <exception cref="PullConflictException">Files differ from the lock and <see cref="PullOptions.Force"/> is off; nothing was changed.</exception>
    public async Task<IReadOnlyList<ProjectPullResult>> PullAsync(string lockPath, string artifactsDirectory, PullOptions options, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(lockPath)) throw new ProjectFileException(lockPath, "not found; run cache resolve to write it from cache.json");
        var locked = ProjectLock.Load(lockPath);
        if (locked.Artifacts.Count == 0) throw new ProjectFileException(lockPath, "holds no artifacts; add dependencies to cache.json and run cache resolve");

        if (locked.Artifacts.GroupBy(a => DirectoryFor(artifactsDirectory, a.Value, clients.DefaultNamespace)).FirstOrDefault(g => g.Count() > 1) is { } clash)
        {
            throw new ProjectFileException(lockPath, $"{string.Join(" and ", clash.Select(a => a.Key))} would both be pulled into {clash.Key}; list the artifact once in cache.json and run cache resolve");
        }
        var plans = new List<(string Key, LockedArtifact Artifact, PullPlan Plan)>();
        foreach (var (key, artifact) in locked.Artifacts)
        {
            if (artifact.Manifest.Digest.Hex != artifact.ManifestDigest)
            {
                throw new ProjectFileException(lockPath, $"the files of {key} do not match its manifest digest (edited by hand?); run cache resolve --update {key}");
            }
            var directory = DirectoryFor(artifactsDirectory, artifact, clients.DefaultNamespace);
            plans.Add((key, artifact, await ArtifactPuller.PlanAsync(artifact.Manifest, directory, cancellationToken)));
        }
        var conflicts = plans.SelectMany(p => p.Plan.Conflicts.Select(c => Path.GetRelativePath(Path.GetFullPath(artifactsDirectory), Path.Combine(p.Plan.Directory, c)).Replace('\\', '/'))).ToList();
        if (conflicts.Count > 0 && !options.Force) throw new PullConflictException(Path.GetFullPath(artifactsDirectory), conflicts);

        var results = new List<ProjectPullResult>();
        foreach (var (key, artifact, plan) in plans)
        {
            var result = await ArtifactPuller.ExecuteAsync(clients.For(artifact.Namespace), plan, options, cancellationToken);
            results.Add(new ProjectPullResult(key, artifact, plan.Directory, result));
        }
        return results;
    }
}
