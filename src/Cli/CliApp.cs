using System.CommandLine;
using CacheRegistry.Cli.Commands;
using CacheRegistry.Cli.Parsing;

namespace CacheRegistry.Cli;

/// <summary>The `cache` command line: global options, subcommands, usage errors and the exit-code contract.</summary>
public static class CliApp
{
    /// <summary>Runs with the process's console.</summary>
    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default) => RunAsync(args, CliHost.FromConsole(), cancellationToken);

    /// <summary>Runs with given writers (not terminals), the process's environment, and the console for a step's own output.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(args, new CliHost { Output = output, Error = error }, cancellationToken);

    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("CacheRegistry command line: store, fetch and inspect build cache content, publish and consume artifacts.")
        {
            HelpName = "cache", // whatever the host process is called (dotnet, a test host)
        };
        var globals = new GlobalOptions();
        foreach (var option in globals.All) root.Options.Add(option);
        CliVersion.Use(root);
        Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run = (parse, action) => RunCommandAsync(host, globals, parse, action, cancellationToken);
        root.Subcommands.Add(BlobCommands.Create(run));
        root.Subcommands.Add(InspectCommand.Create(run));
        root.Subcommands.Add(TokenCommands.Create(run));
        root.Subcommands.Add(ExecCommand.Create(run));
        foreach (var command in ArtifactCommands.Create(run)) root.Subcommands.Add(command);
        foreach (var command in RegistryCommands.Create(run)) root.Subcommands.Add(command);
        foreach (var command in OperatorCommands.Create(run)) root.Subcommands.Add(command);

        // `cache` alone, or a group alone (`cache blob`), shows its help.
        var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        if (parse.Errors.Count == 1 && parse.CommandResult.Command.Subcommands.Count > 0 && parse.CommandResult.Command.Action is null && parse.UnmatchedTokens.Count == 0
            && parse.Tokens.All(t => t.Type == System.CommandLine.Parsing.TokenType.Command))
        {
            parse = root.Parse([.. args, "--help"]);
        }
        var usage = UsageErrors.Of(parse);
        if (usage.Count > 0)
        {
            foreach (var message in usage) await host.Error.WriteLineAsync($"error: {message}");
            return ExitCodes.Usage;
        }
        var configuration = new InvocationConfiguration
        {
            Output = host.Output,
            Error = host.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // Ctrl-C is Program's: it cancels the token every command gets
        };
        return await parse.InvokeAsync(configuration, cancellationToken);
    }

    // Builds the context of a command's action; whatever ends it becomes one line and an exit code.
    private static async Task<int> RunCommandAsync(CliHost host, GlobalOptions globals, ParseResult parse, Func<CliContext, Task<int>> action, CancellationToken cancellationToken)
    {
        var context = new CliContext(host, globals, parse, globals.ClientOptions(parse, host, out var usageError));
        if (usageError is not null) return context.Fail(ExitCodes.Usage, usageError);
        try
        {
            return await action(context);
        }
        catch (Exception e)
        {
            return ErrorReporter.Report(e, context, cancellationToken);
        }
    }
}
