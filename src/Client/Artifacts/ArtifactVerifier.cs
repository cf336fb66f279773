using CacheRegistry.Client.Files;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Client.Artifacts;

/// <summary>One thing wrong with a pulled artifact.</summary>
/// <param name="Path">The file or link concerned, relative to the artifact's directory; null for the artifact as a whole (signatures, the lock).</param>
/// <param name="Problem">What is wrong.</param>
public sealed record VerifyProblem(string? Path, string Problem)
{
    /// <inheritdoc/>
    public override string ToString() => Path is null ? Problem : $"{Path}: {Problem}";
}

/// <summary>
/// Checks pulled files against the lock: every file present with its locked digest and executable bit,
/// every link present with its target, nothing extra, the lock's manifest digest intact and, given
/// trusted keys, a valid signature by one of them. Returns every problem found. Links are compared,
/// never followed.
/// </summary>
public static class ArtifactVerifier
{
    /// <summary>The problems found with <paramref name="directory"/> against the locked artifact; empty when it checks out.</summary>
    /// <param name="artifact">The artifact as locked.</param>
    /// <param name="directory">Where it was pulled to.</param>
    /// <param name="trustedKeyIds">When given, a valid signature by one of these keys is required.</param>
    /// <param name="cancellationToken">Cancels the hashing.</param>
    public static async Task<IReadOnlyList<VerifyProblem>> VerifyAsync(LockedArtifact artifact, string directory, IReadOnlySet<string>? trustedKeyIds, CancellationToken cancellationToken = default)
    {
        var problems = new List<VerifyProblem>();
        var manifest = artifact.Manifest;
        if (manifest.Digest.Hex != artifact.ManifestDigest) problems.Add(new(null, $"the lock's file list does not match its manifest digest {artifact.ManifestDigest}"));

        if (trustedKeyIds is not null)
        {
            foreach (var signature in artifact.Signatures.Where(s => !ManifestSignatures.IsValid(s, manifest)))
            {
                problems.Add(new(null, $"signature by key {signature.KeyId} is not valid"));
            }
            if (!artifact.Signatures.Any(s => trustedKeyIds.Contains(s.KeyId) && ManifestSignatures.IsValid(s, manifest)))
            {
                problems.Add(new(null, "no valid signature by a trusted key"));
            }
        }

        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            problems.Add(new(null, $"{directory} does not exist (run cache pull)"));
            return problems;
        }
        if (manifest.Problems().FirstOrDefault() is { } unsafeManifest)
        {
            problems.Add(new(null, $"the lock names an unacceptable manifest: {unsafeManifest}"));
            return problems;
        }
        foreach (var file in artifact.Files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            if (await ProblemWithAsync(Path.Combine(root, file.Path), file, cancellationToken) is { } problem) problems.Add(new(file.Path, problem));
        }
        var expected = artifact.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in FileTree.List(root).Where(f => !expected.Contains(f)))
        {
            problems.Add(new(extra, $"not part of {artifact.Name}@{artifact.Version}"));
        }
        return problems;
    }

    private static async Task<string?> ProblemWithAsync(string path, ArtifactFile file, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        if (file.LinkTarget is { } target)
        {
            if (info.LinkTarget is null) return info.Exists || Directory.Exists(path) ? $"should be a symbolic link to {target}" : "missing";
            return info.LinkTarget == target ? null : $"links to {info.LinkTarget}, expected {target}";
        }
        if (info.LinkTarget is not null) return $"is a symbolic link to {info.LinkTarget}, expected a file";
        if (!info.Exists) return Directory.Exists(path) ? "is a directory, expected a file" : "missing";
        var (digest, size) = await Sha256Digest.OfFileAsync(path, cancellationToken);
        if (digest.Hex != file.Digest) return $"content changed (digest {digest.Hex}, expected {file.Digest}, {size} bytes)";
        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute) != file.Executable)
        {
            return $"executable bit is {(file.Executable ? "missing" : "set but should not be")}";
        }
        return null;
    }
}
