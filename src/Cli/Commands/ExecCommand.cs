using System.CommandLine;
using CacheRegistry.Client.Actions;

namespace CacheRegistry.Cli.Commands;

/// <summary>
/// `cache exec [--in PATH|GLOB]... [--out PATH]... [--env NAME]... [--toolchain PATH] [--salt S] -- command [args]`:
/// runs a build step through the cache. Exits with the step's exit code (recorded or real).
/// </summary>
public static class ExecCommand
{
    public static Command Create(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run, Func<(Stream Stdout, Stream Stderr)> streams)
    {
        var inputs = new Option<string[]>("--in") { Description = "Input file, directory or glob (repeatable)", AllowMultipleArgumentsPerToken = false };
        var outputs = new Option<string[]>("--out") { Description = "Output file or directory (repeatable)" };
        var environment = new Option<string[]>("--env") { Description = "Environment variable whose value is part of the key (repeatable)" };
        var toolchain = new Option<string?>("--toolchain") { Description = "Executable to fingerprint (default: the command's)" };
        var toolchainVersion = new Option<string?>("--toolchain-version-arg") { Description = "Argument that makes the toolchain print its version, e.g. --version" };
        var salt = new Option<string>("--salt") { Description = "Extra text for the key", DefaultValueFactory = _ => "" };
        var root = new Option<string>("--root") { Description = "Workspace root (default: the current directory)", DefaultValueFactory = _ => Environment.CurrentDirectory };
        var localDirectory = new Option<string>("--local-cache") { Description = "Local tier directory [env: CACHE_LOCAL_DIR]", DefaultValueFactory = _ => LocalActionCache.DefaultDirectory() };
        var localMax = new Option<long>("--local-max-mb") { Description = "Bound of the local tier in MiB", DefaultValueFactory = _ => 10_240 };
        var cacheFailures = new Option<bool>("--cache-failures") { Description = "Also cache runs that exit non-zero" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the key and whether it would hit; run nothing" };
        var explain = new Option<bool>("--explain") { Description = "Show the key's inputs and, on a miss, what changed since the previous run" };
        var local = new Option<bool>("--local-only") { Description = "Use only the local tier, not the server" };
        var command = new Argument<string[]>("command") { Description = "The command and its arguments (after --)", Arity = ArgumentArity.OneOrMore };

        var exec = new Command("exec", "Run a build step through the cache: restore its outputs on a hit, run and store it on a miss.")
        {
            inputs, outputs, environment, toolchain, toolchainVersion, salt, root, localDirectory, localMax, cacheFailures, dryRun, explain, local, command,
        };
        exec.SetAction((result, cancellation) => run(result, async context =>
        {
            var action = new ActionDefinition
            {
                Command = result.GetValue(command)!,
                Root = Path.GetFullPath(result.GetValue(root)!),
                Inputs = result.GetValue(inputs) ?? [],
                Outputs = result.GetValue(outputs) ?? [],
                Environment = result.GetValue(environment) ?? [],
                Toolchain = result.GetValue(toolchain),
                ToolchainVersionArgument = result.GetValue(toolchainVersion),
                Salt = result.GetValue(salt)!,
            };
            var options = new ExecOptions { DryRun = result.GetValue(dryRun), Explain = result.GetValue(explain), CacheFailures = result.GetValue(cacheFailures) };
            var localCache = new LocalActionCache(result.GetValue(localDirectory)!, result.GetValue(localMax) * 1024 * 1024);
            using var client = result.GetValue(local) ? null : context.CreateClient();
            var executor = new ActionExecutor(client, localCache, context.Output, context.Error);
            var (stdout, stderr) = streams();
            try
            {
                return (await executor.RunAsync(action, options, stdout, stderr, cancellation)).ExitCode;
            }
            catch (Exception e) when (e is MissingOutputException or FileNotFoundException or ArgumentException or System.ComponentModel.Win32Exception)
            {
                return context.Fail(ExitCodes.Error, e.Message);
            }
        }));
        return exec;
    }
}
