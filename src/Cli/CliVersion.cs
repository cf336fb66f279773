using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace CacheRegistry.Cli;

/// <summary>
/// What <c>cache --version</c> prints: the version and the commit the tool was built from. The SDK
/// embeds the commit (SourceRevisionId, from the checkout's .git) in the informational version as
/// <c>version+commit</c>; a build outside a git checkout has none, and says so.
/// </summary>
public static class CliVersion
{
    public static string Text { get; } = Describe(typeof(CliVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    public static string Describe(string? informationalVersion)
    {
        var parts = (informationalVersion ?? "unknown").Split('+', 2);
        var commit = parts.Length == 2 && parts[1].Length > 0 ? parts[1] : "unknown (built outside a git checkout)";
        return $"cache {parts[0]} (commit {commit})";
    }

    /// <summary>Replaces the default action of the root command's --version option.</summary>
    public static void Use(RootCommand root) => root.Options.OfType<VersionOption>().Single().Action = new PrintAction();

    private sealed class PrintAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Text);
            return ExitCodes.Success;
        }
    }
}
