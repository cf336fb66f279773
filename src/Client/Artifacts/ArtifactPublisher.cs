using System.Security.Cryptography;
using CacheRegistry.Client.Files;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Artifacts;

namespace CacheRegistry.Client.Artifacts;

/// <summary>What <see cref="ArtifactPublisher.PublishAsync"/> publishes besides the files.</summary>
public sealed record PublishOptions
{
    /// <summary>Free-form metadata of the version.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Tags to point at the version.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>ECDSA P-256 private key to sign the manifest with (load it with <see cref="ManifestSignatures.LoadSigningKey"/>, so a bad key fails before any upload).</summary>
    public ECDsa? SigningKey { get; init; }

    /// <summary>Shown the progress of the uploads.</summary>
    public ITransferMonitor? Monitor { get; init; }
}

/// <summary>What a publish did.</summary>
/// <param name="Created">False when the same content was already published under the version.</param>
/// <param name="Info">The version as the server now serves it.</param>
/// <param name="Files">Regular files in the version.</param>
/// <param name="Links">Symbolic links in the version.</param>
/// <param name="UploadedFiles">Files this publish sent (the server lacked them).</param>
/// <param name="UploadedBytes">Their total size.</param>
/// <param name="ResumedFiles">Large files whose interrupted upload (from an earlier run) this publish resumed.</param>
public sealed record PublishResult(bool Created, ArtifactVersionInfo Info, int Files, int Links, int UploadedFiles, long UploadedBytes, IReadOnlyList<UploadedFile> ResumedFiles);

/// <summary>The paths given to publish cannot be published as they are; nothing was uploaded.</summary>
public sealed class ArtifactContentException(string message) : Exception(message);

/// <summary>
/// Publishes a version from local files and directories: checks the name, version, tags and metadata,
/// collects the files (links inside a directory stay links; a link leading outside is refused unless
/// links are followed), uploads only what the server lacks, then publishes the manifest, signed if asked.
/// Everything that can be checked locally is checked before the first byte is sent.
/// </summary>
public static class ArtifactPublisher
{
    /// <summary>What is wrong with a version's name, version, tags and metadata; empty when the server would accept them.</summary>
    public static IReadOnlyList<string> Problems(string name, string version, IReadOnlyList<string> tags, IReadOnlyDictionary<string, string> metadata)
    {
        var problems = new List<string>();
        if (!ArtifactReference.IsValidName(name)) problems.Add($"'{name}' is not an artifact name ({ArtifactReference.NameRules})");
        if (!ArtifactVersions.IsValidVersion(version)) problems.Add($"'{version}' is not a SemVer 2.0 version (e.g. 1.2.3, 1.2.3-beta.1, 1.2.3+build.7)");
        foreach (var tag in tags.Where(t => !ArtifactVersions.IsValidTag(t))) problems.Add($"'{tag}' is not a tag (a lowercase letter, then a-z, 0-9, '.', '_', '-'; at most 64)");
        if (tags.Count > 16) problems.Add("at most 16 tags per push");
        if (ArtifactManifest.MetadataProblem(metadata) is { } metadataProblem) problems.Add(metadataProblem);
        return problems;
    }

    /// <summary>
    /// The entries of a version from files and directories: a file is published under its name, a
    /// directory's content under paths relative to it. A path below <paramref name="baseDirectory"/>
    /// must not lead outside it through a link unless links are followed.
    /// </summary>
    public static IReadOnlyList<TreeEntry> Collect(IEnumerable<string> paths, SymlinkPolicy symlinks, string baseDirectory)
    {
        var entries = new List<TreeEntry>();
        foreach (var path in paths)
        {
            var full = Path.GetFullPath(path, baseDirectory);
            if (symlinks == SymlinkPolicy.Preserve && IsBelow(baseDirectory, full)) FileTree.EnsureInside(baseDirectory, full);
            if (Directory.Exists(full))
            {
                var root = symlinks == SymlinkPolicy.Preserve ? FileTree.RealPath(full) : full;
                entries.AddRange(FileTree.Walk(root, root, symlinks));
            }
            else if (File.Exists(full)) entries.Add(new TreeEntry(full, Path.GetFileName(full), null));
            else throw new ArtifactContentException($"{path}: no such file or directory");
        }
        if (entries.GroupBy(e => e.RelativePath, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } clash)
        {
            throw new ArtifactContentException($"two files would be published as '{clash.Key}'");
        }
        if (entries.Count == 0) throw new ArtifactContentException("nothing to publish: the paths hold no files");
        return entries;
    }

    /// <summary>Uploads what the server lacks and publishes the version (in the client's namespace).</summary>
    /// <exception cref="ArgumentException">The name, version, tags or metadata are not acceptable (nothing was sent).</exception>
    public static async Task<PublishResult> PublishAsync(CacheClient client, string name, string version, IReadOnlyList<TreeEntry> entries, PublishOptions options,
        CancellationToken cancellationToken = default)
    {
        if (Problems(name, version, options.Tags, options.Metadata).FirstOrDefault() is { } problem) throw new ArgumentException(problem);
        var files = entries.Where(e => !e.IsLink).ToList();
        IReadOnlyList<UploadedFile> uploaded;
        using (var progress = options.Monitor?.Begin($"pushing {client.Namespace}/{name}@{version}", files.Sum(f => new FileInfo(f.FullPath).Length)))
        {
            uploaded = await client.UploadFilesAsync(files.Select(f => f.FullPath).ToList(), progress, cancellationToken);
        }
        var byPath = uploaded.DistinctBy(u => u.Path).ToDictionary(u => u.Path, StringComparer.Ordinal);
        var manifestFiles = entries.Select(e => e.LinkTarget is { } target
            ? ArtifactFile.Link(e.RelativePath, target)
            : new ArtifactFile(e.RelativePath, byPath[e.FullPath].Digest.Hex, byPath[e.FullPath].Size, IsExecutable(e.FullPath))).ToList();

        var signatures = new List<ArtifactSignature>();
        if (options.SigningKey is { } key) signatures.Add(ManifestSignatures.Sign(new ArtifactManifest(name, version, manifestFiles, options.Metadata), key));
        var (created, info) = await client.PublishAsync(name, version, new PublishRequest(manifestFiles, options.Metadata, signatures, options.Tags), cancellationToken);
        var sent = uploaded.Where(u => u.Uploaded).ToList();
        return new PublishResult(created, info, files.Count, entries.Count - files.Count, sent.Count, sent.Sum(u => u.Size), uploaded.Where(u => u.ResumedBytes > 0).ToList());
    }

    private static bool IsBelow(string directory, string path)
    {
        var relative = Path.GetRelativePath(directory, path);
        return relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }

    private static bool IsExecutable(string path) => !OperatingSystem.IsWindows() && File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute);
}
