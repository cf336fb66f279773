using System.CommandLine;
using CacheRegistry.Cli.Commands;
using CacheRegistry.Client;

namespace CacheRegistry.Cli;

/// <summary>The `cache` command line: global options, subcommands and the exit-code contract.</summary>
public static class CliApp
{
    public const string DefaultServer = "http://127.0.0.1:5080";

    private static readonly Option<string> ServerOption = new("--server")
    {
        Description = "Server URL [env: CACHE_SERVER]",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CACHE_SERVER") is { Length: > 0 } server ? server : DefaultServer,
    };

    private static readonly Option<string?> TokenOption = new("--token")
    {
        Description = "Bearer token [env: CACHE_TOKEN]",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CACHE_TOKEN"),
    };

    private static readonly Option<string?> CaBundleOption = new("--ca-bundle")
    {
        Description = "PEM file of CA certificates to trust for HTTPS [env: CACHE_CA_BUNDLE]",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CACHE_CA_BUNDLE"),
    };

    public static readonly Option<string?> NamespaceOption = new("--namespace", "-n")
    {
        Description = "Namespace (default: the server's default namespace) [env: CACHE_NAMESPACE]",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CACHE_NAMESPACE"),
    };

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(args, output, error, () => (Console.OpenStandardOutput(), Console.OpenStandardError()), cancellationToken);

    /// <param name="commandStreams">Where `cache exec` sends the step's own output (the console, or a test's buffers).</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<(Stream Stdout, Stream Stderr)> commandStreams,
        CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("CacheRegistry command line: store, fetch and inspect build cache content.");
        root.Options.Add(ServerOption);
        root.Options.Add(TokenOption);
        root.Options.Add(NamespaceOption);
        root.Options.Add(CaBundleOption);
        CliVersion.Use(root);
        root.Subcommands.Add(BlobCommands.Create(Run));
        root.Subcommands.Add(InspectCommand.Create(Run));
        root.Subcommands.Add(TokenCommands.Create(Run));
        root.Subcommands.Add(ExecCommand.Create(Run, commandStreams));
        foreach (var command in ArtifactCommands.Create(Run)) root.Subcommands.Add(command);
        foreach (var command in OperatorCommands.Create(Run)) root.Subcommands.Add(command);

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors) await error.WriteLineAsync($"error: {parseError.Message}");
            await error.WriteLineAsync("Run 'cache --help' for usage.");
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);

        // Builds the context for a command's action and turns failures into one line and an exit code.
        async Task<int> Run(ParseResult result, Func<CliContext, Task<int>> action)
        {
            var context = new CliContext(output, error, ClientOptionsFrom(result, out var usageError));
            if (usageError is not null) return context.Fail(ExitCodes.Usage, usageError);
            try
            {
                return await action(context);
            }
            catch (CacheClientException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return context.Fail(ExitCodes.NotFound, e.Message);
            }
            catch (CacheClientException e)
            {
                return context.Fail(ExitCodes.Error, e.Message);
            }
            catch (HttpRequestException e)
            {
                return context.Fail(ExitCodes.Error, $"cannot reach {context.ClientOptions.Server}: {e.Message}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return context.Fail(ExitCodes.Error, e.Message);
            }
        }
    }

    private static CacheClientOptions ClientOptionsFrom(ParseResult result, out string? usageError)
    {
        usageError = null;
        var server = result.GetValue(ServerOption) ?? DefaultServer;
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            usageError = $"--server '{server}' is not an http(s) URL";
            uri = new Uri(DefaultServer);
        }
        return new CacheClientOptions
        {
            Server = uri,
            Token = result.GetValue(TokenOption),
            Namespace = result.GetValue(NamespaceOption) is { Length: > 0 } ns ? ns : null,
            CaBundlePath = result.GetValue(CaBundleOption) is { Length: > 0 } bundle ? bundle : null,
        };
    }
}
