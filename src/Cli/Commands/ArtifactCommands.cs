using System.CommandLine;
using System.Globalization;
using CacheRegistry.Client;
using CacheRegistry.Client.Artifacts;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;
using Spectre.Console;

namespace CacheRegistry.Cli.Commands;

/// <summary>`cache push | resolve | pull | verify`: the artifact registry flow, with cache.json and cache.lock.</summary>
public static partial class ArtifactCommands
{
    [System.Text.RegularExpressions.GeneratedRegex(@"^\d+\.\d+\.\d+([-+].*)?$")]
    private static partial System.Text.RegularExpressions.Regex ExactVersion();

    private const long ProgressThreshold = 64L * 1024 * 1024;

    public static IEnumerable<Command> Create(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        yield return Push(run);
        yield return Resolve(run);
        yield return Pull(run);
        yield return Verify(run);
    }

    private static Command Push(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var reference = new Argument<string>("artifact") { Description = "[namespace/]name@version" };
        var paths = new Argument<string[]>("paths") { Description = "Files and directories to publish", Arity = ArgumentArity.OneOrMore };
        var tags = new Option<string[]>("--tag") { Description = "Tag to point at this version (repeatable)" };
        var metadata = new Option<string[]>("--meta") { Description = "Metadata key=value (repeatable)" };
        var sign = new Option<string?>("--sign") { Description = "ECDSA P-256 private key (PEM) to sign the manifest with" };
        var command = new Command("push", "Publish a version: uploads only the files the server lacks, then the manifest.") { reference, paths, tags, metadata, sign };
        command.SetAction((result, cancellation) => run(result, async context =>
        {
            if (!ArtifactReference.TryParse(result.GetValue(reference)!, out var ns, out var name, out var version) || version is null)
            {
                return context.Fail(ExitCodes.Usage, "give the artifact as [namespace/]name@version (names: lowercase letters, digits, '.', '_', '-')");
            }
            var meta = new Dictionary<string, string>();
            foreach (var pair in result.GetValue(metadata) ?? [])
            {
                var equals = pair.IndexOf('=');
                if (equals <= 0) return context.Fail(ExitCodes.Usage, $"--meta '{pair}' is not key=value");
                meta[pair[..equals]] = pair[(equals + 1)..];
            }
            var files = CollectFiles(result.GetValue(paths)!, out var collectError);
            if (collectError is not null) return context.Fail(ExitCodes.Error, collectError);

            using var client = context.CreateClient(ns);
            var uploaded = await UploadWithProgressAsync(client, files.Select(f => f.FullPath).ToList(), cancellation);
            var digests = uploaded.ToDictionary(u => u.Path, u => u);
            var artifactFiles = files.Select(f => new ArtifactFile(f.RelativePath, digests[f.FullPath].Digest.Hex, digests[f.FullPath].Size, IsExecutable(f.FullPath))).ToList();

            var signatures = new List<ArtifactSignature>();
            if (result.GetValue(sign) is { } keyFile)
            {
                signatures.Add(ManifestSignatures.Sign(new ArtifactManifest(name, version, artifactFiles, meta), await File.ReadAllTextAsync(keyFile, cancellation)));
            }
            var (created, info) = await client.PublishAsync(name, version, new PublishRequest(artifactFiles, meta, signatures, result.GetValue(tags)), cancellation);
            var label = $"{(ns is null ? "" : ns + "/")}{name}@{info.Version}";
            await context.Output.WriteLineAsync(created
                ? $"published {label} (manifest {info.ManifestDigest}, {artifactFiles.Count} files, {uploaded.Count(u => u.Uploaded)} uploaded)"
                : $"{label} was already published with this content (manifest {info.ManifestDigest})");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Resolve(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var project = ProjectOption();
        var update = new Option<string?>("--update") { Description = "Re-resolve all dependencies, or the one named", Arity = ArgumentArity.ZeroOrOne };
        var prerelease = new Option<bool>("--prerelease") { Description = "Let ranges match pre-release versions" };
        var command = new Command("resolve", "Resolve cache.json's dependencies to exact versions and write cache.lock.") { project, update, prerelease };
        command.SetAction((result, cancellation) => run(result, async context =>
        {
            var directory = Path.GetFullPath(result.GetValue(project)!);
            var dependenciesPath = Path.Combine(directory, ProjectDependencies.FileName);
            if (!File.Exists(dependenciesPath)) return context.Fail(ExitCodes.Error, $"no {ProjectDependencies.FileName} in {directory}");
            var dependencies = ProjectDependencies.Load(dependenciesPath).Dependencies;
            var lockPath = Path.Combine(directory, ProjectLock.FileName);
            var locked = ProjectLock.Load(lockPath);
            var updateResult = result.GetResult(update);
            var updateAll = updateResult is { Implicit: false } && result.GetValue(update) is null;
            var updateOne = result.GetValue(update);

            var resolved = new SortedDictionary<string, LockedArtifact>(StringComparer.Ordinal);
            foreach (var (key, spec) in dependencies)
            {
                if (!ArtifactReference.TryParse(key, out var ns, out var name, out _)) return context.Fail(ExitCodes.Error, $"'{key}' in {ProjectDependencies.FileName} is not [namespace/]name");
                if (!updateAll && updateOne != key && locked.Artifacts.TryGetValue(key, out var kept) && kept.Spec == spec)
                {
                    resolved[key] = kept;
                    continue;
                }
                using var client = context.CreateClient(ns);
                var info = await client.ResolveAsync(name, spec, result.GetValue(prerelease), cancellation);
                if (info is null) return context.Fail(ExitCodes.NotFound, $"no version of {key} matches '{spec}'");
                resolved[key] = new LockedArtifact(spec, ns, name, info.Version, info.ManifestDigest, info.Manifest.Files, info.Manifest.Metadata, info.Signatures);
                await context.Output.WriteLineAsync($"{key} {spec} -> {info.Version}");
            }
            (locked with { Artifacts = resolved }).Save(lockPath);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Pull(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var reference = new Argument<string?>("artifact") { Description = "[namespace/]name@range|version|tag; none: everything in cache.lock", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string?>("--output", "-o") { Description = "Directory (default: ./<name>, or ./artifacts for the lock)" };
        var project = ProjectOption();
        var command = new Command("pull", "Download artifacts, verify every file and place them atomically.") { reference, output, project };
        command.SetAction((result, cancellation) => run(result, async context =>
        {
            if (result.GetValue(reference) is { } text)
            {
                if (!ArtifactReference.TryParse(text, out var ns, out var name, out var spec) || spec is null) return context.Fail(ExitCodes.Usage, "give the artifact as [namespace/]name@range|version|tag");
                using var client = context.CreateClient(ns);
                var info = await client.ResolveAsync(name, spec, cancellationToken: cancellation);
                if (info is null && ExactVersion().IsMatch(spec)) info = await client.GetVersionAsync(name, spec, cancellation); // pullable even when yanked
                if (info is null) return context.Fail(ExitCodes.NotFound, $"no version of {name} matches '{spec}'");
                var pulled = await ArtifactPuller.PullAsync(client, info.Manifest.Files, result.GetValue(output) ?? name, 4, cancellation);
                await context.Output.WriteLineAsync($"{name}@{info.Version}: {pulled.Downloaded} downloaded, {pulled.AlreadyPresent} already present");
                return ExitCodes.Success;
            }

            var directory = Path.GetFullPath(result.GetValue(project)!);
            var locked = ProjectLock.Load(Path.Combine(directory, ProjectLock.FileName));
            if (locked.Artifacts.Count == 0) return context.Fail(ExitCodes.Error, $"nothing to pull: no {ProjectLock.FileName} (run cache resolve) or it is empty");
            var root = result.GetValue(output) ?? Path.Combine(directory, "artifacts");
            foreach (var (key, artifact) in locked.Artifacts)
            {
                using var client = context.CreateClient(artifact.Namespace);
                if (artifact.Manifest.Digest.Hex != artifact.ManifestDigest) return context.Fail(ExitCodes.Error, $"{key}: the lock's file list does not match its manifest digest");
                var pulled = await ArtifactPuller.PullAsync(client, artifact.Files, Path.Combine(root, key), 4, cancellation);
                await context.Output.WriteLineAsync($"{key}@{artifact.Version}: {pulled.Downloaded} downloaded, {pulled.AlreadyPresent} already present");
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Verify(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var directory = new Argument<string?>("directory") { Description = "Where the artifacts were pulled (default: ./artifacts beside the lock)", Arity = ArgumentArity.ZeroOrOne };
        var lockOption = new Option<string>("--lock") { Description = "The lock file", DefaultValueFactory = _ => ProjectLock.FileName };
        var trustedKeys = new Option<string?>("--trusted-keys") { Description = "Directory of trusted public keys (*.pem); then a valid signature by one is required" };
        var command = new Command("verify", "Re-hash pulled files against the lock, check signatures, and report every mismatch.") { directory, lockOption, trustedKeys };
        command.SetAction((result, cancellation) => run(result, async context =>
        {
            var lockPath = Path.GetFullPath(result.GetValue(lockOption)!);
            if (!File.Exists(lockPath)) return context.Fail(ExitCodes.Error, $"{lockPath} does not exist");
            var locked = ProjectLock.Load(lockPath);
            var root = result.GetValue(directory) ?? Path.Combine(Path.GetDirectoryName(lockPath)!, "artifacts");
            var trusted = result.GetValue(trustedKeys) is { } keys ? ManifestSignatures.TrustedKeyIds(keys) : null;

            var problems = 0;
            foreach (var (key, artifact) in locked.Artifacts)
            {
                foreach (var problem in await ArtifactVerifier.VerifyAsync(artifact, Path.Combine(root, key), trusted, cancellation))
                {
                    problems++;
                    await context.Error.WriteLineAsync($"{key}: {problem}");
                }
            }
            if (problems > 0) return context.Fail(ExitCodes.Error, $"{problems} problem{(problems == 1 ? "" : "s")} found");
            await context.Output.WriteLineAsync($"verified {locked.Artifacts.Count} artifacts, {locked.Artifacts.Values.Sum(a => a.Files.Count)} files");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Option<string> ProjectOption() =>
        new("--project") { Description = "Directory with cache.json and cache.lock (default: the current directory)", DefaultValueFactory = _ => Environment.CurrentDirectory };

    private sealed record LocalFile(string FullPath, string RelativePath);

    private static List<LocalFile> CollectFiles(IEnumerable<string> paths, out string? error)
    {
        error = null;
        var files = new List<LocalFile>();
        foreach (var path in paths)
        {
            var full = Path.GetFullPath(path);
            if (File.Exists(full)) files.Add(new LocalFile(full, Path.GetFileName(full)));
            else if (Directory.Exists(full))
            {
                files.AddRange(Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                    .Select(f => new LocalFile(f, Path.GetRelativePath(full, f).Replace(Path.DirectorySeparatorChar, '/'))));
            }
            else
            {
                error = $"{path}: no such file or directory";
                return files;
            }
        }
        if (files.GroupBy(f => f.RelativePath).FirstOrDefault(g => g.Count() > 1) is { } clash) error = $"two files would be published as '{clash.Key}'";
        if (files.Count == 0) error = "nothing to publish";
        return files;
    }

    private static bool IsExecutable(string path) => !OperatingSystem.IsWindows() && File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute);

    // A progress bar on the terminal for large transfers; plain output otherwise (pipes, CI logs).
    private static async Task<IReadOnlyList<UploadedFile>> UploadWithProgressAsync(CacheClient client, IReadOnlyList<string> files, CancellationToken cancellation)
    {
        var total = files.Sum(f => new FileInfo(f).Length);
        if (total < ProgressThreshold || Console.IsErrorRedirected) return await client.UploadFilesAsync(files, cancellationToken: cancellation);

        IReadOnlyList<UploadedFile> result = [];
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("uploading", maxValue: total);
            result = await client.UploadFilesAsync(files, new Progress<long>(bytes => task.Increment(bytes)), cancellation);
            task.Value = task.MaxValue;
        });
        return result;
    }
}
