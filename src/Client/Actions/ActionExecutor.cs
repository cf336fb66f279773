using System.Diagnostics;
using CacheRegistry.Client.Files;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Client.Actions;

/// <summary>Where a step's result came from.</summary>
public enum CacheOutcome
{
    /// <summary>Restored from the local tier.</summary>
    LocalHit,

    /// <summary>Restored from the server (and added to the local tier).</summary>
    RemoteHit,

    /// <summary>Not cached (or not restorable): the step ran.</summary>
    Miss,
}

/// <summary>How <see cref="ActionExecutor.RunAsync"/> treats a step.</summary>
public sealed record ExecOptions
{
    /// <summary>Only compute the key and say whether it would hit.</summary>
    public bool DryRun { get; init; }

    /// <summary>Report the key's inputs and, on a miss, what changed since the step's previous run.</summary>
    public bool Explain { get; init; }

    /// <summary>Also cache runs that exit non-zero.</summary>
    public bool CacheFailures { get; init; }

    /// <summary>
    /// Follow symbolic links among inputs and outputs (hash and store what they point to, wherever that
    /// is). By default a link is an input or output of its own, kept as a link, and one leading outside
    /// the root is an error.
    /// </summary>
    public bool FollowSymlinks { get; init; }
}

/// <summary>How a step ended.</summary>
/// <param name="ExitCode">The step's exit code (recorded and replayed on a hit).</param>
/// <param name="Outcome">Hit (local or server) or miss.</param>
/// <param name="Key">The step's action key.</param>
public sealed record ExecResult(int ExitCode, CacheOutcome Outcome, Sha256Digest Key)
{
    /// <summary>What went into the key.</summary>
    public ActionKeyInputs? Inputs { get; init; }

    /// <summary>On a miss, what changed since this step's previous run here; null when no earlier run is known.</summary>
    public IReadOnlyList<string>? ChangesSincePreviousRun { get; init; }
}

/// <summary>A declared output was not produced by a run that succeeded.</summary>
public sealed class MissingOutputException(string output) : Exception($"the command succeeded but did not produce the declared output '{output}'");

/// <summary>
/// Runs a build step through the cache: on a hit (local tier first, then the server) restores the
/// outputs and replays the recorded output and exit code without running anything; on a miss runs the
/// command, then stores outputs and the action entry in both tiers. The server being unreachable makes
/// a miss, never a failed build.
/// </summary>
/// <param name="server">The cache server, or null for the local tier only.</param>
/// <param name="local">The local tier.</param>
/// <param name="report">Where a dry run's answer goes.</param>
/// <param name="log">Where explanations and warnings go.</param>
/// <param name="transfers">Shown the progress of downloads and uploads, if given.</param>
public sealed class ActionExecutor(CacheClient? server, LocalActionCache local, TextWriter report, TextWriter log, ITransferMonitor? transfers = null)
{
    /// <summary>Keys the step, then restores it on a hit or runs and stores it on a miss.</summary>
    /// <param name="action">The step.</param>
    /// <param name="options">Dry run, explain, cache failures.</param>
    /// <param name="stdout">Where the step's standard output goes (live on a miss, replayed on a hit).</param>
    /// <param name="stderr">Where the step's standard error goes.</param>
    /// <param name="cancellationToken">Cancels the lookup, the run and the uploads.</param>
    public async Task<ExecResult> RunAsync(ActionDefinition action, ExecOptions options, Stream stdout, Stream stderr, CancellationToken cancellationToken = default)
    {
        var symlinks = options.FollowSymlinks ? SymlinkPolicy.Follow : SymlinkPolicy.Preserve;
        var digests = local.OpenDigestCache();
        var inputs = await ActionKeyBuilder.BuildAsync(action, digests, cancellationToken, symlinks);
        await digests.SaveAsync();
        var key = inputs.Key;
        var stepId = LocalActionCache.StepId(action);

        if (options.Explain)
        {
            await log.WriteLineAsync($"key {key}, from:");
            foreach (var line in inputs.Describe()) await log.WriteLineAsync("  " + line);
        }

        var (manifest, outcome) = await LookupAsync(key, action, cancellationToken);
        var previous = outcome == CacheOutcome.Miss ? local.PreviousInputs(stepId) : null;
        var explained = new ExecResult(0, outcome, key) { Inputs = inputs, ChangesSincePreviousRun = previous is null ? null : inputs.DifferencesFrom(previous) };
        if (options.Explain && outcome == CacheOutcome.Miss) await ExplainMissAsync(previous, inputs);
        if (options.DryRun)
        {
            await report.WriteLineAsync($"{key} {Describe(outcome)}");
            return explained;
        }

        if (manifest is not null && await TryRestoreAsync(manifest, action, stdout, stderr, cancellationToken))
        {
            local.RecordInputs(stepId, inputs);
            return explained with { ExitCode = manifest.ExitCode };
        }

        var exitCode = await RunAndStoreAsync(key, action, options, symlinks, stdout, stderr, cancellationToken);
        local.RecordInputs(stepId, inputs);
        local.Trim();
        return explained with { ExitCode = exitCode, Outcome = CacheOutcome.Miss };
    }

    private static string Describe(CacheOutcome outcome) => outcome switch
    {
        CacheOutcome.LocalHit => "hit (local)",
        CacheOutcome.RemoteHit => "hit (server)",
        _ => "miss",
    };

    private async Task ExplainMissAsync(ActionKeyInputs? previous, ActionKeyInputs current)
    {
        if (previous is null)
        {
            await log.WriteLineAsync("miss: no earlier run of this step is known here");
            return;
        }
        var differences = current.DifferencesFrom(previous);
        await log.WriteLineAsync(differences.Count == 0
            ? $"miss: the inputs equal the previous run's (key {previous.Key}), which was not stored"
            : $"miss: since the previous run (key {previous.Key}): {string.Join("; ", differences)}");
    }

    // ---- hit -------------------------------------------------------------------------------------

    private async Task<(ActionManifest? Manifest, CacheOutcome Outcome)> LookupAsync(Sha256Digest key, ActionDefinition action, CancellationToken cancellationToken)
    {
        if (local.FindManifest(key) is { } cached && Covers(cached, action)) return (cached, CacheOutcome.LocalHit);
        if (server is null) return (null, CacheOutcome.Miss);
        try
        {
            await using var stream = await server.OpenActionAsync(key, cancellationToken);
            if (stream is null) return (null, CacheOutcome.Miss);
            var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken);
            var manifest = ActionManifest.TryParse(buffer.ToArray());
            if (manifest is null || !Covers(manifest, action)) return (null, CacheOutcome.Miss);
            local.AddManifest(key, manifest);
            return (manifest, CacheOutcome.RemoteHit);
        }
        catch (Exception e) when (e is HttpRequestException or CacheClientException or IOException)
        {
            await log.WriteLineAsync($"warning: cache server lookup failed, running the step: {e.Message}");
            return (null, CacheOutcome.Miss);
        }
    }

    private static bool Covers(ActionManifest manifest, ActionDefinition action) =>
        manifest.DeclaredOutputs.ToHashSet(StringComparer.Ordinal).SetEquals(action.Outputs.Select(o => WorkspacePaths.Relative(action.Root, o)));

    private async Task<bool> TryRestoreAsync(ActionManifest manifest, ActionDefinition action, Stream stdout, Stream stderr, CancellationToken cancellationToken)
    {
        // An entry comes from the server: a link must stay inside the workspace like any path.
        if (manifest.Files.Any(f => f.LinkTarget is { } target && !(ArtifactLinks.IsCanonical(target) && ArtifactLinks.StaysInside(f.Path, target)))) return false;

        var blobs = new Dictionary<string, string>(StringComparer.Ordinal);
        var sizes = manifest.Files.Where(f => !f.IsLink).Select(f => (f.Digest, f.Size))
            .Append((manifest.StdoutDigest, manifest.StdoutSize)).Append((manifest.StderrDigest, manifest.StderrSize))
            .DistinctBy(b => b.Item1).ToDictionary(b => b.Item1, b => b.Item2, StringComparer.Ordinal);
        var remote = manifest.Digests.Where(d => local.FindBlob(Sha256Digest.Parse(d)) is null).ToList();
        using (var progress = remote.Count > 0 ? transfers?.Begin("restoring outputs", remote.Sum(d => sizes.GetValueOrDefault(d))) : null)
        {
            foreach (var digest in manifest.Digests)
            {
                var path = await FetchBlobAsync(Sha256Digest.Parse(digest), progress, cancellationToken);
                if (path is null) return false; // an output was evicted everywhere: run the step
                blobs[digest] = path;
            }
        }

        foreach (var directory in manifest.Directories) Directory.CreateDirectory(WorkspacePaths.Full(action.Root, directory));
        foreach (var file in manifest.Files)
        {
            var target = WorkspacePaths.Full(action.Root, file.Path);
            FileTree.EnsureInside(action.Root, Path.GetDirectoryName(target)!); // never written through a link leading out of the workspace
            if (file.LinkTarget is { } linkTarget) PlaceLink(target, linkTarget);
            else Place(blobs[file.Digest], target, file.Executable);
        }
        await ReplayAsync(blobs[manifest.StdoutDigest], stdout, cancellationToken);
        await ReplayAsync(blobs[manifest.StderrDigest], stderr, cancellationToken);
        return true;
    }

    /// <summary>The local path of a verified copy of the blob: from the local tier, else downloaded into it.</summary>
    private async Task<string?> FetchBlobAsync(Sha256Digest digest, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        if (local.FindBlob(digest) is { } held)
        {
            if ((await Sha256Digest.OfFileAsync(held, cancellationToken)).Digest == digest) return held;
            File.Delete(held); // damaged on disk: fetch it again
        }
        if (server is null) return null;
        try
        {
            var target = local.BlobPath(digest);
            return await server.DownloadBlobAsync(digest, target, progress, cancellationToken) ? target : null;
        }
        catch (Exception e) when (e is HttpRequestException or CacheClientException or IOException)
        {
            await log.WriteLineAsync($"warning: could not download {digest}: {e.Message}");
            return null;
        }
    }

    // A link replaces whatever is there, as an output file would.
    private static void PlaceLink(string target, string linkTarget)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (FileTree.IsLink(target) || File.Exists(target)) File.Delete(target);
        else if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        File.CreateSymbolicLink(target, linkTarget);
    }

    // Written beside the target and renamed over it: a reader never sees a half-written output.
    private static void Place(string blob, string target, bool executable)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.restoring");
        File.Copy(blob, temporary);
        if (!OperatingSystem.IsWindows())
        {
            var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            if (executable) mode |= UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            File.SetUnixFileMode(temporary, mode);
        }
        File.Move(temporary, target, overwrite: true);
    }

    private static async Task ReplayAsync(string blob, Stream destination, CancellationToken cancellationToken)
    {
        await using var recorded = File.OpenRead(blob);
        await recorded.CopyToAsync(destination, cancellationToken);
        await destination.FlushAsync(cancellationToken);
    }

    // ---- miss ------------------------------------------------------------------------------------

    private async Task<int> RunAndStoreAsync(Sha256Digest key, ActionDefinition action, ExecOptions options, SymlinkPolicy symlinks, Stream stdout, Stream stderr,
        CancellationToken cancellationToken)
    {
        var captureDirectory = Directory.CreateTempSubdirectory("cacheregistry-exec-").FullName;
        try
        {
            var stdoutCapture = Path.Combine(captureDirectory, "stdout");
            var stderrCapture = Path.Combine(captureDirectory, "stderr");
            var exitCode = await RunCommandAsync(action, stdout, stderr, stdoutCapture, stderrCapture, cancellationToken);
            if (exitCode != 0 && !options.CacheFailures) return exitCode;

            var (files, directories) = await CollectOutputsAsync(action, symlinks, cancellationToken);
            var (stdoutDigest, stdoutSize) = await Sha256Digest.OfFileAsync(stdoutCapture, cancellationToken);
            var (stderrDigest, stderrSize) = await Sha256Digest.OfFileAsync(stderrCapture, cancellationToken);
            var manifest = new ActionManifest(ActionManifest.VersionFor(files),
                action.Outputs.Select(o => WorkspacePaths.Relative(action.Root, o)).Distinct().Order(StringComparer.Ordinal).ToList(),
                files, directories, exitCode, stdoutDigest.Hex, stdoutSize, stderrDigest.Hex, stderrSize,
                DateTimeOffset.UtcNow, Environment.MachineName);

            var blobFiles = files.Where(f => !f.IsLink).Select(f => (Digest: f.Digest, Path: WorkspacePaths.Full(action.Root, f.Path)))
                .Append((stdoutDigest.Hex, stdoutCapture)).Append((stderrDigest.Hex, stderrCapture))
                .DistinctBy(b => b.Item1).ToList();
            foreach (var (digest, path) in blobFiles) local.AddBlob(Sha256Digest.Parse(digest), path);
            local.AddManifest(key, manifest);
            await UploadAsync(key, manifest, blobFiles.Select(b => b.Item2).ToList(), cancellationToken);
            return exitCode;
        }
        finally
        {
            Directory.Delete(captureDirectory, recursive: true);
        }
    }

    private static async Task<int> RunCommandAsync(ActionDefinition action, Stream stdout, Stream stderr, string stdoutCapture, string stderrCapture, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Executables.Require(action.Command[0], action.Root))
        {
            WorkingDirectory = action.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in action.Command.Skip(1)) info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {action.Command[0]}");
        // Cancelled (Ctrl-C): the step does not outlive us.
        await using var kill = cancellationToken.Register(() =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // it had exited already
            }
        });
        await using var stdoutFile = File.Create(stdoutCapture);
        await using var stderrFile = File.Create(stderrCapture);
        await Task.WhenAll(
            TeeAsync(process.StandardOutput.BaseStream, stdout, stdoutFile, cancellationToken),
            TeeAsync(process.StandardError.BaseStream, stderr, stderrFile, cancellationToken),
            process.WaitForExitAsync(cancellationToken));
        return process.ExitCode;
    }

    // Streams the command's output to the user as it comes while recording it for replay.
    private static async Task TeeAsync(Stream source, Stream live, Stream record, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await live.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            await live.FlushAsync(cancellationToken);
            await record.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    // Outputs are read like inputs: a link is kept as a link (one leading outside the root is an
    // error), so a step cannot make the cache upload files from elsewhere on the machine.
    private static async Task<(List<OutputFile> Files, List<string> Directories)> CollectOutputsAsync(ActionDefinition action, SymlinkPolicy symlinks, CancellationToken cancellationToken)
    {
        var files = new List<OutputFile>();
        var directories = new List<string>();
        foreach (var output in action.Outputs)
        {
            var full = WorkspacePaths.Full(action.Root, output);
            if (!File.Exists(full) && !Directory.Exists(full) && !FileTree.IsLink(full)) throw new MissingOutputException(output);
            var single = FileTree.Describe(action.Root, full, symlinks);
            if (single is null)
            {
                directories.Add(WorkspacePaths.Relative(action.Root, full));
                directories.AddRange(RealSubdirectories(full).Select(d => WorkspacePaths.Relative(action.Root, d)));
            }
            foreach (var entry in single is null ? FileTree.Walk(action.Root, full, symlinks) : [single])
            {
                if (entry.LinkTarget is { } target)
                {
                    files.Add(new OutputFile(entry.RelativePath, Sha256Digest.Empty.Hex, 0, false, target));
                    continue;
                }
                var (digest, size) = await Sha256Digest.OfFileAsync(entry.FullPath, cancellationToken);
                var executable = !OperatingSystem.IsWindows() && File.GetUnixFileMode(entry.FullPath).HasFlag(UnixFileMode.UserExecute);
                files.Add(new OutputFile(entry.RelativePath, digest.Hex, size, executable));
            }
        }
        return (files.DistinctBy(f => f.Path).ToList(), directories.Distinct().Order(StringComparer.Ordinal).ToList());
    }

    // Directories below one (so empty ones are restored too), not walking through links.
    private static IEnumerable<string> RealSubdirectories(string directory)
    {
        foreach (var child in Directory.EnumerateDirectories(directory).Where(d => !FileTree.IsLink(d)))
        {
            yield return child;
            foreach (var below in RealSubdirectories(child)) yield return below;
        }
    }

    private async Task UploadAsync(Sha256Digest key, ActionManifest manifest, IReadOnlyList<string> blobFiles, CancellationToken cancellationToken)
    {
        if (server is null) return;
        try
        {
            using (var progress = transfers?.Begin("storing outputs", blobFiles.Sum(f => new FileInfo(f).Length)))
            {
                await server.UploadFilesAsync(blobFiles, progress, cancellationToken); // find-missing first, then parallel uploads
            }
            var json = manifest.ToJson();
            await server.PutActionAsync(key, () => new MemoryStream(json), json.Length, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or CacheClientException or IOException)
        {
            await log.WriteLineAsync($"warning: could not store the result on the cache server: {e.Message}");
        }
    }
}
