using CacheRegistry.Client;

namespace CacheRegistry.Cli;

/// <summary>
/// What the command line runs in: its writers and reader, which of them are terminals, the
/// environment, and how clients are made. The process's console in production; buffers, a chosen
/// environment and instrumented clients in tests.
/// </summary>
public sealed record CliHost
{
    public required TextWriter Output { get; init; }

    public required TextWriter Error { get; init; }

    public TextReader Input { get; init; } = TextReader.Null;

    public bool OutputIsTerminal { get; init; }

    public bool ErrorIsTerminal { get; init; }

    public bool InputIsTerminal { get; init; }

    /// <summary>Where `cache exec` sends the step's own output (the console, or a test's buffers).</summary>
    public Func<(Stream Stdout, Stream Stderr)> CommandStreams { get; init; } = () => (Console.OpenStandardOutput(), Console.OpenStandardError());

    /// <summary>What relative paths on the command line are relative to (the process's current directory by default).</summary>
    public string CurrentDirectory { get; init; } = System.Environment.CurrentDirectory;

    /// <summary>Reads an environment variable (the process's by default).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Makes the client of a command.</summary>
    public Func<CacheClientOptions, CacheClient> CreateClient { get; init; } = options => new CacheClient(options);

    /// <summary>How often progress is printed when stderr is not a terminal (CI logs).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The process's console.</summary>
    public static CliHost FromConsole() => new()
    {
        Output = System.Console.Out,
        Error = System.Console.Error,
        Input = System.Console.In,
        OutputIsTerminal = !System.Console.IsOutputRedirected,
        ErrorIsTerminal = !System.Console.IsErrorRedirected,
        InputIsTerminal = !System.Console.IsInputRedirected,
    };

    /// <summary>An environment variable's value, null when unset or empty.</summary>
    public string? Variable(string name) => Environment(name) is { Length: > 0 } value ? value : null;
}
