using System.CommandLine;
using CacheRegistry.Cli.Output;
using CacheRegistry.Client.Actions;

namespace CacheRegistry.Cli.Commands;

/// <summary>
/// `cache exec [--in PATH|GLOB]... [--out PATH]... [--env NAME]... [--toolchain PATH] [--salt S] -- command [args]`:
/// runs a build step through the cache. Exits with the step's exit code (recorded or real); 127 when
/// the command does not exist, 126 when it cannot be executed, as a shell.
/// </summary>
public static class ExecCommand
{
    public static Command Create(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var inputs = new Option<string[]>("--in") { Description = "Input file, directory or glob (repeatable)", AllowMultipleArgumentsPerToken = false };
        var outputs = new Option<string[]>("--out") { Description = "Output file or directory (repeatable)" };
        var environment = new Option<string[]>("--env") { Description = "Environment variable whose value is part of the key (repeatable)" };
        var toolchain = new Option<string?>("--toolchain") { Description = "Executable to fingerprint (default: the command's)" };
        var toolchainVersion = new Option<string?>("--toolchain-version-arg") { Description = "Argument that makes the toolchain print its version, e.g. --version" };
        var salt = new Option<string?>("--salt") { Description = "Extra text for the key" };
        var root = new Option<string?>("--root") { Description = "Workspace root (default: the current directory)" };
        var localMax = new Option<long>("--local-max-mb") { Description = "Bound of the local tier in MiB", DefaultValueFactory = _ => 10_240 };
        var cacheFailures = new Option<bool>("--cache-failures") { Description = "Also cache runs that exit non-zero" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the key and whether it would hit; run nothing" };
        var explain = new Option<bool>("--explain") { Description = "Show the key's inputs and, on a miss, what changed since the previous run" };
        var json = new Option<bool>("--json") { Description = "With --dry-run: print the key, the outcome and the key's inputs as JSON (schema: README)" };
        var local = new Option<bool>("--local-only") { Description = "Use only the local tier, not the server" };
        var follow = new Option<bool>("--follow-symlinks") { Description = "Hash and store what symbolic links among inputs and outputs point to (default: links are kept as links; one leading outside the root is an error)" };
        var command = new Argument<string[]>("command") { Description = "The command and its arguments (after --)", Arity = ArgumentArity.OneOrMore };

        var exec = new Command("exec", "Run a build step through the cache: restore its outputs on a hit, run and store it on a miss.")
        {
            inputs, outputs, environment, toolchain, toolchainVersion, salt, root, localMax, cacheFailures, dryRun, explain, json, local, follow, command,
        };
        exec.SetAction((result, cancellation) => run(result, async context =>
        {
            var asJson = result.GetValue(json);
            if (asJson && !result.GetValue(dryRun)) throw new UsageException("--json needs --dry-run (a step that runs prints to stdout itself)");
            if (result.GetValue(localMax) < 1) throw new UsageException("--local-max-mb must be at least 1");
            var action = new ActionDefinition
            {
                Command = result.GetValue(command)!,
                Root = context.FullPath(result.GetValue(root) ?? "."),
                Inputs = result.GetValue(inputs) ?? [],
                Outputs = result.GetValue(outputs) ?? [],
                Environment = result.GetValue(environment) ?? [],
                Toolchain = result.GetValue(toolchain),
                ToolchainVersionArgument = result.GetValue(toolchainVersion),
                Salt = result.GetValue(salt) ?? "",
            };
            if (!Directory.Exists(action.Root)) throw new UsageException($"--root {action.Root}: no such directory");
            var options = new ExecOptions
            {
                DryRun = result.GetValue(dryRun),
                Explain = result.GetValue(explain) && !asJson,
                CacheFailures = result.GetValue(cacheFailures),
                FollowSymlinks = result.GetValue(follow),
            };
            var localCache = new LocalActionCache(context.LocalCacheDirectory, result.GetValue(localMax) * 1024 * 1024);
            using var client = result.GetValue(local) ? null : context.CreateClient();
            var executor = new ActionExecutor(client, localCache, asJson ? TextWriter.Null : context.Output, context.Error, context.Transfers);
            var (stdout, stderr) = context.Host.CommandStreams();
            try
            {
                var outcome = await executor.RunAsync(action, options, stdout, stderr, cancellation);
                if (asJson) context.Json(Document(outcome));
                return outcome.ExitCode;
            }
            catch (ArgumentException e)
            {
                return context.Fail(ExitCodes.Error, e.Message); // an input or output outside the root
            }
        }));
        return exec;
    }

    private static ExecDocument Document(ExecResult result)
    {
        var inputs = result.Inputs!;
        var outcome = result.Outcome switch
        {
            CacheOutcome.LocalHit => "hit-local",
            CacheOutcome.RemoteHit => "hit-server",
            _ => "miss",
        };
        return new ExecDocument(result.Key.Hex, outcome,
            new ExecInputsDocument(inputs.Command, inputs.Environment, inputs.Inputs.Select(i => new ExecInputDocument(i.Path, i.LinkTarget is null ? i.Digest : null, i.LinkTarget)).ToList(),
                inputs.Toolchain, inputs.ToolchainVersion, inputs.Platform, inputs.Salt),
            result.ChangesSincePreviousRun);
    }
}
