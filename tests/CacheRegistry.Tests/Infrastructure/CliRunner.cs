using CacheRegistry.Cli;

namespace CacheRegistry.Tests.Infrastructure;

/// <summary>Runs the `cache` command line in-process, capturing its output and exit code.</summary>
public static class CliRunner
{
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(string[] args) => RunAsync(args, host => host);

    /// <summary>With a host adjusted by the test (environment, terminals, input, client factory) and a cancellation token (Ctrl-C).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string[] args, Func<CliHost, CliHost> configure, CancellationToken cancellationToken = default)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await CliApp.RunAsync(args, configure(new CliHost { Output = output, Error = error }), cancellationToken);
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Also captures what a step run by `cache exec` prints (or what a hit replays).</summary>
    public static async Task<(int ExitCode, string Output, string Error, byte[] CommandOutput, byte[] CommandError)> RunWithCommandOutputAsync(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var commandOutput = new MemoryStream();
        var commandError = new MemoryStream();
        var exitCode = await CliApp.RunAsync(args, new CliHost { Output = output, Error = error, CommandStreams = () => (commandOutput, commandError) });
        return (exitCode, output.ToString(), error.ToString(), commandOutput.ToArray(), commandError.ToArray());
    }
}
