using CacheRegistry.Client.Files;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Client.Artifacts;

/// <summary>How <see cref="ArtifactPuller"/> treats what is already in the target directory.</summary>
public sealed record PullOptions
{
    /// <summary>Overwrite files that differ from the artifact (by default that is an error and nothing changes).</summary>
    public bool Force { get; init; }

    /// <summary>Remove files that are not part of the artifact (by default they are only reported).</summary>
    public bool Clean { get; init; }

    /// <summary>Downloads at a time.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>Shown the progress of the downloads.</summary>
    public ITransferMonitor? Monitor { get; init; }
}

/// <summary>What a pull did in one directory.</summary>
/// <param name="Downloaded">Files fetched from the server.</param>
/// <param name="AlreadyPresent">Files and links that were in place with the right content.</param>
/// <param name="Overwritten">Paths that differed and were replaced (only with <see cref="PullOptions.Force"/>).</param>
/// <param name="Extra">Paths that are not part of the artifact.</param>
/// <param name="Removed">Extra paths removed (with <see cref="PullOptions.Clean"/>).</param>
public sealed record PullResult(int Downloaded, int AlreadyPresent, IReadOnlyList<string> Overwritten, IReadOnlyList<string> Extra, IReadOnlyList<string> Removed);

/// <summary>Files in the target directory differ from what is being pulled; nothing was changed.</summary>
public sealed class PullConflictException(string directory, IReadOnlyList<string> paths)
    : CacheClientException($"{paths.Count} file{(paths.Count == 1 ? "" : "s")} in {directory} differ{(paths.Count == 1 ? "s" : "")} from what is pulled "
        + $"(edited here?): {string.Join(", ", paths.Take(5))}{(paths.Count > 5 ? ", ..." : "")}; --force overwrites them")
{
    /// <summary>The directory.</summary>
    public string Directory { get; } = directory;

    /// <summary>The differing paths, relative to it.</summary>
    public IReadOnlyList<string> Paths { get; } = paths;
}

/// <summary>
/// What a pull into one directory will do, worked out before anything is changed: which files are in
/// place, which must be downloaded, which differ from the artifact, and which are not part of it.
/// </summary>
public sealed record PullPlan(
    ArtifactManifest Manifest,
    string Directory,
    IReadOnlyList<ArtifactFile> Needed,
    int AlreadyPresent,
    IReadOnlyList<string> Conflicts,
    IReadOnlyList<string> Extra);

/// <summary>
/// Places an artifact's files and links in a directory safely: the manifest is checked first (no path
/// or link may leave the directory); files already present with the right content are kept; files that
/// differ are an error unless forced; the others are downloaded in parallel (each verified) into a
/// staging directory beside the target and only when all arrived are they moved into place. A cancelled
/// or failed pull leaves no partial file behind.
/// </summary>
public static class ArtifactPuller
{
    private const string StagingPrefix = ".cache-pull-";

    /// <summary>Plans, then (when nothing differs, or with <see cref="PullOptions.Force"/>) pulls.</summary>
    public static async Task<PullResult> PullAsync(CacheClient client, ArtifactManifest manifest, string targetDirectory, PullOptions options, CancellationToken cancellationToken = default)
    {
        var plan = await PlanAsync(manifest, targetDirectory, cancellationToken);
        if (plan.Conflicts.Count > 0 && !options.Force) throw new PullConflictException(plan.Directory, plan.Conflicts);
        return await ExecuteAsync(client, plan, options, cancellationToken);
    }

    /// <summary>Compares the directory with the manifest; changes nothing.</summary>
    public static async Task<PullPlan> PlanAsync(ArtifactManifest manifest, string targetDirectory, CancellationToken cancellationToken = default)
    {
        // The file list comes from a server: no path or link may leave the target directory.
        if (manifest.Problems().FirstOrDefault() is { } problem) throw new CacheClientException($"refusing to pull {manifest.Name}@{manifest.Version}: {problem}");
        var target = Path.GetFullPath(targetDirectory);
        var needed = new List<ArtifactFile>();
        var conflicts = new List<string>();
        var present = 0;
        foreach (var file in manifest.Files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            switch (await StateOfAsync(target, file, cancellationToken))
            {
                case LocalState.Missing:
                    needed.Add(file);
                    break;
                case LocalState.Same:
                    present++;
                    break;
                default:
                    conflicts.Add(file.Path);
                    needed.Add(file);
                    break;
            }
        }
        return new PullPlan(manifest, target, needed, present, conflicts, ExtraIn(target, manifest));
    }

    /// <summary>Carries out a plan (conflicting paths are overwritten: check <see cref="PullPlan.Conflicts"/> first).</summary>
    public static async Task<PullResult> ExecuteAsync(CacheClient client, PullPlan plan, PullOptions options, CancellationToken cancellationToken = default)
    {
        var target = plan.Directory;
        Directory.CreateDirectory(target);
        RemoveLeftoverStaging(target);
        var downloads = plan.Needed.Where(f => !f.IsLink).ToList();
        var staging = Path.Combine(target, $"{StagingPrefix}{Guid.NewGuid():N}");
        try
        {
            if (downloads.Count > 0)
            {
                using var progress = options.Monitor?.Begin($"pulling {client.Namespace}/{plan.Manifest.Name}@{plan.Manifest.Version}", downloads.Sum(f => f.Size));
                await Parallel.ForEachAsync(downloads, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken }, async (file, token) =>
                {
                    if (!await client.DownloadBlobAsync(Sha256Digest.Parse(file.Digest), Path.Combine(staging, file.Path), progress, token))
                    {
                        throw new CacheClientException($"the server has lost {file.Path} ({file.Digest})", System.Net.HttpStatusCode.NotFound);
                    }
                });
            }
            foreach (var file in plan.Needed)
            {
                var path = Path.Combine(target, file.Path);
                MakeRoomFor(target, path);
                if (file.LinkTarget is { } linkTarget)
                {
                    File.CreateSymbolicLink(path, linkTarget);
                    continue;
                }
                SetExecutable(Path.Combine(staging, file.Path), file.Executable);
                File.Move(Path.Combine(staging, file.Path), path, overwrite: true);
            }
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }

        // What is extra now: a file that stood where a directory of the artifact goes has gone already.
        var extra = ExtraIn(target, plan.Manifest);
        if (options.Clean)
        {
            foreach (var path in extra) Remove(Path.Combine(target, path));
            RemoveEmptyDirectories(target);
        }
        return new PullResult(downloads.Count, plan.AlreadyPresent, plan.Conflicts, extra, options.Clean ? extra : []);
    }

    private static IReadOnlyList<string> ExtraIn(string target, ArtifactManifest manifest)
    {
        if (!Directory.Exists(target)) return [];
        var expected = manifest.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        return FileTree.List(target, IsStaging).Where(p => !expected.Contains(p)).ToList();
    }

    private enum LocalState { Missing, Same, Different }

    private static async Task<LocalState> StateOfAsync(string target, ArtifactFile file, CancellationToken cancellationToken)
    {
        var path = Path.Combine(target, file.Path);
        if (LinkOnTheWay(target, path)) return LocalState.Different; // would be written through a link that is not part of the artifact
        var info = new FileInfo(path);
        if (info.LinkTarget is { } existingTarget) return existingTarget == file.LinkTarget ? LocalState.Same : LocalState.Different;
        if (Directory.Exists(path)) return LocalState.Different;
        if (!info.Exists) return LocalState.Missing;
        if (file.IsLink || info.Length != file.Size || (await Sha256Digest.OfFileAsync(path, cancellationToken)).Digest.Hex != file.Digest) return LocalState.Different;
        SetExecutable(path, file.Executable); // the content is right; the mode follows the artifact
        return LocalState.Same;
    }

    private static bool LinkOnTheWay(string target, string path)
    {
        for (var directory = Path.GetDirectoryName(path)!; directory.Length > target.Length; directory = Path.GetDirectoryName(directory)!)
        {
            if (FileTree.IsLink(directory) || File.Exists(directory)) return true;
        }
        return false;
    }

    // Whatever stands where an entry goes (a differing file, a link, a directory, a file where a
    // directory of the artifact goes) is removed; only conflicts, which --force allowed, get here.
    private static void MakeRoomFor(string target, string path)
    {
        for (var directory = Path.GetDirectoryName(path)!; directory.Length > target.Length; directory = Path.GetDirectoryName(directory)!)
        {
            if (FileTree.IsLink(directory) || File.Exists(directory)) Remove(directory);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (FileTree.IsLink(path) || Directory.Exists(path)) Remove(path);
    }

    private static void Remove(string path)
    {
        if (!FileTree.IsLink(path) && Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }

    // Below the root, never through links.
    private static void RemoveEmptyDirectories(string directory)
    {
        foreach (var child in Directory.EnumerateDirectories(directory).Where(d => !FileTree.IsLink(d)).ToList())
        {
            RemoveEmptyDirectories(child);
            if (!Directory.EnumerateFileSystemEntries(child).Any()) Directory.Delete(child);
        }
    }

    private static bool IsStaging(string relative) => relative.StartsWith(StagingPrefix, StringComparison.Ordinal) && !relative.Contains('/');

    // A pull killed outright (not cancelled) leaves its staging directory; the next pull removes it.
    private static void RemoveLeftoverStaging(string target)
    {
        foreach (var leftover in Directory.EnumerateDirectories(target, StagingPrefix + "*")) Directory.Delete(leftover, recursive: true);
    }

    private static void SetExecutable(string path, bool executable)
    {
        if (OperatingSystem.IsWindows()) return;
        var mode = File.GetUnixFileMode(path);
        var execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(path, executable ? mode | execute : mode & ~execute);
    }
}
