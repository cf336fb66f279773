using System.CommandLine;
using CacheRegistry.Cli.Output;
using CacheRegistry.Client.Artifacts;
using CacheRegistry.Client.Files;
using CacheRegistry.Common.Artifacts;

namespace CacheRegistry.Cli.Commands;

/// <summary>`cache push | resolve | pull | verify`: the artifact registry flow, with cache.json and cache.lock (the work is the client library's).</summary>
public static class ArtifactCommands
{
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
        var sign = new Option<string?>("--sign") { Description = "ECDSA P-256 private key (PKCS#8 PEM) to sign the manifest with" };
        var follow = new Option<bool>("--follow-symlinks") { Description = "Publish what symbolic links point to, wherever that is (default: links inside a directory stay links; one leading outside is an error)" };
        var json = JsonOption();
        var command = new Command("push", "Publish a version: uploads only the files the server lacks (resuming an interrupted upload), then the manifest.")
        {
            reference, paths, tags, metadata, sign, follow, json,
        };
        command.SetAction((result, cancellation) => run(result, async context =>
        {
            // Everything that can be checked here is, before the first byte goes up.
            var artifact = ArtifactArgument.Parse(result.GetValue(reference)!, "[namespace/]name@version", SpecRule.ExactVersion);
            var meta = ParseMetadata(result.GetValue(metadata) ?? []);
            var tagList = result.GetValue(tags) ?? [];
            if (ArtifactPublisher.Problems(artifact.Name, artifact.Spec!, tagList, meta).FirstOrDefault() is { } problem) throw new UsageException(problem);
            using var signingKey = result.GetValue(sign) is { } keyFile
                ? ManifestSignatures.LoadSigningKey(File.Exists(context.FullPath(keyFile)) ? await File.ReadAllTextAsync(context.FullPath(keyFile), cancellation) : throw new UsageException($"--sign {keyFile}: no such file"), keyFile)
                : null;
            var entries = ArtifactPublisher.Collect(result.GetValue(paths)!, result.GetValue(follow) ? SymlinkPolicy.Follow : SymlinkPolicy.Preserve, context.Host.CurrentDirectory);

            using var client = context.CreateClient(artifact.Namespace);
            var published = await ArtifactPublisher.PublishAsync(client, artifact.Name, artifact.Spec!, entries,
                new PublishOptions { Metadata = meta, Tags = tagList, SigningKey = signingKey, Monitor = context.Transfers }, cancellation);
            var info = published.Info;
            foreach (var resumed in published.ResumedFiles)
            {
                if (!context.Quiet) await context.Error.WriteLineAsync($"resumed the interrupted upload of {resumed.Path}: {Sizes.Bytes(resumed.ResumedBytes)} of {Sizes.Bytes(resumed.Size)} were already on the server");
            }
            if (result.GetValue(json))
            {
                return context.Json(new PushDocument(info.Namespace, info.Name, info.Version, info.ManifestDigest, published.Created, published.Files, published.Links,
                    published.UploadedFiles, published.UploadedBytes, info.Tags));
            }
            var label = $"{info.Namespace}/{info.Name}@{info.Version}";
            context.Say(published.Created
                ? $"published {label} (manifest {info.ManifestDigest}, {published.Files} files{(published.Links > 0 ? $", {published.Links} links" : "")}, {published.UploadedFiles} uploaded)"
                : $"{label} was already published with this content (manifest {info.ManifestDigest})");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Resolve(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var project = ProjectOption();
        var update = new Option<string[]>("--update") { Description = "Re-resolve every dependency, or the one named (repeatable)", Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = false };
        var prerelease = new Option<bool>("--prerelease") { Description = "Let ranges match pre-release versions" };
        var json = JsonOption();
        var command = new Command("resolve", "Resolve cache.json's dependencies to exact versions and write cache.lock.") { project, update, prerelease, json };
        command.SetAction((result, cancellation) => run(result, async context =>
        {
            var named = result.GetValue(update) ?? [];
            var options = new ResolveOptions
            {
                UpdateAll = result.GetResult(update) is { Implicit: false } && named.Length == 0,
                Update = named,
                IncludePrerelease = result.GetValue(prerelease),
            };
            using var clients = context.CreateNamespaceClients();
            var resolved = await new ProjectResolver(clients).ResolveAsync(ProjectDirectory(context, result, project), options, cancellation);
            if (result.GetValue(json))
            {
                return context.Json(new ResolveDocument(resolved.LockPath,
                    resolved.Dependencies.Select(d => new ResolvedDependencyDocument(d.Key, d.Artifact.Spec, d.Artifact.Namespace!, d.Artifact.Name, d.Artifact.Version,
                        d.Artifact.ManifestDigest, d.Change.ToString().ToLowerInvariant(), d.PreviousVersion)).ToList(),
                    resolved.Removed));
            }
            foreach (var dependency in resolved.Dependencies.Where(d => d.Change != ResolveChange.Unchanged))
            {
                context.Say($"{dependency.Key} {dependency.Artifact.Spec} -> {dependency.Artifact.Version}{(dependency.PreviousVersion is { } before ? $" (was {before})" : "")}");
            }
            foreach (var removed in resolved.Removed) context.Say($"{removed}: removed (no longer in {ProjectDependencies.FileName})");
            var changed = resolved.Dependencies.Count(d => d.Change != ResolveChange.Unchanged) + resolved.Removed.Count;
            if (changed == 0) context.Say($"{ProjectLock.FileName} is up to date ({resolved.Dependencies.Count} dependencies)");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Pull(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var reference = new Argument<string?>("artifact") { Description = "[namespace/]name@range|version|tag; none: everything in cache.lock", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string?>("--output", "-o") { Description = "Directory (default: ./<name>; for the lock ./artifacts, each artifact in <namespace>/<name>/)" };
        var project = ProjectOption();
        var force = new Option<bool>("--force") { Description = "Overwrite files that differ from the artifact (default: refuse, change nothing)" };
        var clean = new Option<bool>("--clean") { Description = "Remove files that are not part of the artifact (default: report them)" };
        var json = JsonOption();
        var command = new Command("pull", "Download artifacts, verify every file and place them; never overwrites local changes unless --force.")
        {
            reference, output, project, force, clean, json,
        };
        command.SetAction((result, cancellation) => run(result, async context =>
        {
            var options = new PullOptions { Force = result.GetValue(force), Clean = result.GetValue(clean), Monitor = context.Transfers };
            var pulled = new List<PulledArtifactDocument>();
            if (result.GetValue(reference) is { } text)
            {
                var artifact = ArtifactArgument.Parse(text, "[namespace/]name@range|version|tag", SpecRule.Required);
                using var client = context.CreateClient(artifact.Namespace);
                var info = await client.ResolveAsync(artifact.Name, artifact.Spec!, cancellationToken: cancellation);
                // A yanked version is hidden from resolution but still pullable by its exact version.
                if (info is null && ArtifactVersions.IsValidVersion(artifact.Spec!)) info = await client.GetVersionAsync(artifact.Name, artifact.Spec!, cancellation);
                if (info is null) return context.Fail(ExitCodes.NotFound, $"no version of {artifact.NamespaceIn(context)}/{artifact.Name} matches '{artifact.Spec}'");
                var directory = context.FullPath(result.GetValue(output) ?? artifact.Name);
                var done = await ArtifactPuller.PullAsync(client, info.Manifest, directory, options, cancellation);
                pulled.Add(Document(info.Namespace, info.Name, info.Version, directory, done));
            }
            else
            {
                var projectDirectory = ProjectDirectory(context, result, project);
                using var clients = context.CreateNamespaceClients();
                var results = await new ProjectPuller(clients).PullAsync(Path.Combine(projectDirectory, ProjectLock.FileName),
                    result.GetValue(output) is { } given ? context.FullPath(given) : Path.Combine(projectDirectory, "artifacts"), options, cancellation);
                pulled.AddRange(results.Select(r => Document(r.Artifact.Namespace ?? context.DefaultNamespace, r.Artifact.Name, r.Artifact.Version, r.Directory, r.Result)));
            }
            if (result.GetValue(json)) return context.Json(new PullDocument(pulled));
            foreach (var artifact in pulled) Report(context, artifact);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static PulledArtifactDocument Document(string ns, string name, string version, string directory, PullResult result) =>
        new(ns, name, version, directory, result.Downloaded, result.AlreadyPresent, result.Overwritten, result.Extra, result.Removed);

    private static void Report(CliContext context, PulledArtifactDocument pulled)
    {
        var label = $"{pulled.Namespace}/{pulled.Name}@{pulled.Version}";
        context.Say($"{label}: {pulled.Downloaded} downloaded, {pulled.AlreadyPresent} already present -> {Path.GetRelativePath(context.Host.CurrentDirectory, pulled.Directory)}");
        if (pulled.Overwritten.Count > 0) context.Warn($"{label}: overwrote {pulled.Overwritten.Count} locally changed file(s): {List(pulled.Overwritten)}");
        if (pulled.Removed.Count > 0) context.Say($"{label}: removed {pulled.Removed.Count} file(s) not part of it: {List(pulled.Removed)}");
        else if (pulled.Extra.Count > 0) context.Warn($"{label}: {pulled.Extra.Count} file(s) are not part of it (--clean removes them): {List(pulled.Extra)}");
    }

    private static string List(IReadOnlyList<string> paths) => string.Join(", ", paths.Take(10)) + (paths.Count > 10 ? ", ..." : "");

    private static Command Verify(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var directory = new Argument<string?>("directory") { Description = "Where the artifacts were pulled (default: ./artifacts beside the lock)", Arity = ArgumentArity.ZeroOrOne };
        var lockOption = new Option<string?>("--lock") { Description = "The lock file (default: cache.lock in --project)" };
        var project = ProjectOption();
        var trustedKeys = new Option<string?>("--trusted-keys") { Description = "Directory of trusted public keys (*.pem); then a valid signature by one is required" };
        var json = JsonOption();
        var command = new Command("verify", "Re-hash pulled files against the lock, check links and signatures, and report every mismatch (exit 1 on any).")
        {
            directory, lockOption, project, trustedKeys, json,
        };
        command.SetAction((result, cancellation) => run(result, async context =>
        {
            var lockPath = result.GetValue(lockOption) is { } given ? context.FullPath(given) : Path.Combine(ProjectDirectory(context, result, project), ProjectLock.FileName);
            if (!File.Exists(lockPath)) return context.Fail(ExitCodes.Error, $"{lockPath} does not exist (run cache resolve, or give --lock)");
            var locked = ProjectLock.Load(lockPath);
            var root = result.GetValue(directory) is { } pulledTo ? context.FullPath(pulledTo) : Path.Combine(Path.GetDirectoryName(lockPath)!, "artifacts");
            var trusted = result.GetValue(trustedKeys) is { } keys ? ManifestSignatures.TrustedKeyIds(context.FullPath(keys)) : null;

            var problems = new List<VerifyProblemDocument>();
            foreach (var (key, artifact) in locked.Artifacts)
            {
                var found = await ArtifactVerifier.VerifyAsync(artifact, ProjectPuller.DirectoryFor(root, artifact, context.DefaultNamespace), trusted, cancellation);
                problems.AddRange(found.Select(p => new VerifyProblemDocument(key, p.Path, p.Problem)));
            }
            var files = locked.Artifacts.Values.Sum(a => a.Files.Count);
            if (result.GetValue(json))
            {
                context.Json(new VerifyDocument(problems.Count == 0, locked.Artifacts.Count, files, problems));
                return problems.Count == 0 ? ExitCodes.Success : ExitCodes.Error;
            }
            foreach (var problem in problems) await context.Error.WriteLineAsync($"{problem.Artifact}: {(problem.Path is null ? "" : problem.Path + ": ")}{problem.Problem}");
            if (problems.Count > 0) return context.Fail(ExitCodes.Error, $"{problems.Count} problem{(problems.Count == 1 ? "" : "s")} found");
            context.Say($"verified {locked.Artifacts.Count} artifacts, {files} files");
            return ExitCodes.Success;
        }));
        return command;
    }

    public static Option<bool> JsonOption() => new("--json") { Description = "Print the result as JSON (schema: README)" };

    private static Option<string?> ProjectOption() =>
        new("--project") { Description = "Directory with cache.json and cache.lock (default: the current directory)" };

    private static string ProjectDirectory(CliContext context, ParseResult result, Option<string?> project) => context.FullPath(result.GetValue(project) ?? ".");

    private static Dictionary<string, string> ParseMetadata(IEnumerable<string> pairs)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0) throw new UsageException($"--meta '{pair}' is not key=value");
            meta[pair[..equals]] = pair[(equals + 1)..];
        }
        return meta;
    }
}
