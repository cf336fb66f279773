using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Client.Artifacts;

/// <summary>What <see cref="ArtifactPuller.PullAsync"/> did.</summary>
/// <param name="Downloaded">Files fetched from the server.</param>
/// <param name="AlreadyPresent">Files that were in place with the right content.</param>
public sealed record PullResult(int Downloaded, int AlreadyPresent);

/// <summary>
/// Places an artifact's files in a directory: files already present with the right content are kept,
/// the others are downloaded in parallel (each verified) into a staging directory beside the target,
/// and only when all arrived are they renamed into place.
/// </summary>
public static class ArtifactPuller
{
    /// <summary>Makes <paramref name="targetDirectory"/> hold <paramref name="files"/>, downloading up to <paramref name="parallelism"/> at a time.</summary>
    public static async Task<PullResult> PullAsync(CacheClient client, IReadOnlyList<ArtifactFile> files, string targetDirectory, int parallelism, CancellationToken cancellationToken = default)
    {
        // The file list comes from a server: no path may leave the target directory.
        if (files.FirstOrDefault(f => !ArtifactManifest.IsSafeRelativePath(f.Path)) is { } unsafeFile)
        {
            throw new CacheClientException($"refusing unsafe path '{unsafeFile.Path}' in the artifact");
        }
        var target = Path.GetFullPath(targetDirectory);
        Directory.CreateDirectory(target);

        var needed = new List<ArtifactFile>();
        foreach (var file in files)
        {
            var path = Path.Combine(target, file.Path);
            if (File.Exists(path) && new FileInfo(path).Length == file.Size && (await Sha256Digest.OfFileAsync(path, cancellationToken)).Digest.Hex == file.Digest)
            {
                SetExecutable(path, file.Executable);
                continue;
            }
            needed.Add(file);
        }
        if (needed.Count == 0) return new PullResult(0, files.Count);

        var staging = Path.Combine(target, $".cache-pull-{Guid.NewGuid():N}");
        try
        {
            await Parallel.ForEachAsync(needed, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (file, token) =>
            {
                if (!await client.DownloadBlobAsync(Sha256Digest.Parse(file.Digest), Path.Combine(staging, file.Path), token))
                {
                    throw new CacheClientException($"the server has lost {file.Path} ({file.Digest})", System.Net.HttpStatusCode.NotFound);
                }
            });
            foreach (var file in needed)
            {
                var path = Path.Combine(target, file.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                SetExecutable(Path.Combine(staging, file.Path), file.Executable);
                File.Move(Path.Combine(staging, file.Path), path, overwrite: true);
            }
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        return new PullResult(needed.Count, files.Count - needed.Count);
    }

    private static void SetExecutable(string path, bool executable)
    {
        if (OperatingSystem.IsWindows()) return;
        var mode = File.GetUnixFileMode(path);
        var execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(path, executable ? mode | execute : mode & ~execute);
    }
}
