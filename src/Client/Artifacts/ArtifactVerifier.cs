using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Client.Artifacts;

/// <summary>
/// Checks pulled files against the lock: every file present with its locked digest, no extra files,
/// the lock's manifest digest intact and, given trusted keys, a valid signature by one of them.
/// Returns every problem found, each naming what is wrong.
/// </summary>
public static class ArtifactVerifier
{
    /// <summary>The problems found with <paramref name="directory"/> against the locked artifact; empty when it checks out.</summary>
    /// <param name="artifact">The artifact as locked.</param>
    /// <param name="directory">Where it was pulled to.</param>
    /// <param name="trustedKeyIds">When given, a valid signature by one of these keys is required.</param>
    /// <param name="cancellationToken">Cancels the hashing.</param>
    public static async Task<IReadOnlyList<string>> VerifyAsync(LockedArtifact artifact, string directory, IReadOnlySet<string>? trustedKeyIds, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        var manifest = artifact.Manifest;
        if (manifest.Digest.Hex != artifact.ManifestDigest) problems.Add($"the lock's file list does not match its manifest digest {artifact.ManifestDigest}");

        if (trustedKeyIds is not null)
        {
            foreach (var signature in artifact.Signatures.Where(s => !ManifestSignatures.IsValid(s, manifest)))
            {
                problems.Add($"signature by key {signature.KeyId} is not valid");
            }
            if (!artifact.Signatures.Any(s => trustedKeyIds.Contains(s.KeyId) && ManifestSignatures.IsValid(s, manifest)))
            {
                problems.Add("no valid signature by a trusted key");
            }
        }

        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            problems.Add($"{directory} does not exist");
            return problems;
        }
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in artifact.Files)
        {
            if (!ArtifactManifest.IsSafeRelativePath(file.Path))
            {
                problems.Add($"{file.Path}: unsafe path in the lock");
                continue;
            }
            expected.Add(file.Path);
            var path = Path.Combine(root, file.Path);
            if (!File.Exists(path))
            {
                problems.Add($"{file.Path}: missing");
                continue;
            }
            var (digest, size) = await Sha256Digest.OfFileAsync(path, cancellationToken);
            if (digest.Hex != file.Digest) problems.Add($"{file.Path}: content changed (digest {digest.Hex}, expected {file.Digest}, {size} bytes)");
            else if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute) != file.Executable)
            {
                problems.Add($"{file.Path}: executable bit is {(file.Executable ? "missing" : "set but should not be")}");
            }
        }
        foreach (var extra in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                     .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
                     .Where(f => !expected.Contains(f)).Order(StringComparer.Ordinal))
        {
            problems.Add($"{extra}: not part of {artifact.Name}@{artifact.Version}");
        }
        return problems;
    }
}
