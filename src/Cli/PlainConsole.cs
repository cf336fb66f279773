using Spectre.Console;

namespace CacheRegistry.Cli;

/// <summary>A Spectre console over a plain writer: no colours or escape codes, wide enough for digests.</summary>
public static class PlainConsole
{
    public static IAnsiConsole For(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
        });
        // Not a terminal (a pipe, a CI log) reads as 80 columns; a digest must not be wrapped.
        console.Profile.Width = Math.Max(console.Profile.Width, 160);
        return console;
    }
}
