using System.CommandLine;
using System.CommandLine.Parsing;

namespace CacheRegistry.Cli.Parsing;

/// <summary>
/// The usage errors of a parsed command line, each one line that says what to do. Besides the
/// parser's own, a word that looks like an option (<c>--nmespace</c>) but landed in an argument is
/// an unknown option, not a path or a name: mistyped options never reach a command.
/// </summary>
public static class UsageErrors
{
    public static IReadOnlyList<string> Of(ParseResult parse)
    {
        var errors = new List<string>();
        var tokens = parse.Tokens.ToList();
        var endOfOptions = tokens.FindIndex(t => t.Type == TokenType.DoubleDash);
        foreach (var token in ArgumentTokens(parse.CommandResult))
        {
            var index = tokens.FindIndex(t => ReferenceEquals(t, token));
            if (endOfOptions >= 0 && index > endOfOptions) continue; // after "--": the command's own arguments
            if (token.Value.Length > 1 && token.Value[0] == '-' && !double.TryParse(token.Value, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                errors.Add(UnknownOption(token.Value, parse.CommandResult.Command));
            }
        }
        var misplaced = errors.Count > 0 || parse.Errors.Any(e => UnrecognizedToken(e.Message) is not null);
        foreach (var error in parse.Errors)
        {
            // A mistyped word is the news; what it leaves missing (a subcommand, a required option) follows from it.
            if (misplaced && UnrecognizedToken(error.Message) is null) continue;
            var unrecognized = UnrecognizedToken(error.Message);
            var message = unrecognized is null ? $"{error.Message.TrimEnd('.')}; see {HelpOf(parse.CommandResult.Command)}"
                : unrecognized.StartsWith('-') ? UnknownOption(unrecognized, parse.CommandResult.Command)
                : UnknownWord(unrecognized, parse.CommandResult.Command);
            if (!errors.Contains(message)) errors.Add(message);
        }
        return errors;
    }

    private static IEnumerable<Token> ArgumentTokens(CommandResult command)
    {
        for (SymbolResult? result = command; result is CommandResult current; result = current.Parent)
        {
            foreach (var argument in current.Children.OfType<ArgumentResult>())
            {
                foreach (var token in argument.Tokens) yield return token;
            }
        }
    }

    private static string UnknownOption(string option, Command command)
    {
        var name = option.Split('=', 2)[0];
        var suggestion = name.StartsWith("--", StringComparison.Ordinal) ? Suggestions.Closest(name, OptionNames(command)) : null;
        var hint = suggestion is not null ? $" (did you mean {suggestion}?)"
            : command.Name == "exec" ? " (put the step's command after --: cache exec [options] -- command args)"
            : "";
        return $"unknown option '{name}'{hint}; see {HelpOf(command)}";
    }

    private static string UnknownWord(string word, Command command)
    {
        var suggestion = Suggestions.Closest(word, command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
        return command.Subcommands.Count > 0
            ? $"'{word}' is not a command of '{Invocation(command)}'{(suggestion is null ? "" : $" (did you mean {suggestion}?)")}; see {HelpOf(command)}"
            : $"unexpected argument '{word}'; see {HelpOf(command)}";
    }

    private static IEnumerable<string> OptionNames(Command command)
    {
        var options = command.Options.AsEnumerable();
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
        {
            options = options.Concat(parent.Options.Where(o => o.Recursive));
        }
        return options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal)).Distinct();
    }

    /// <summary>How the command is typed: "cache", "cache blob put".</summary>
    public static string Invocation(Command command)
    {
        var names = new List<string>();
        for (Command? current = command; current is not null and not RootCommand; current = current.Parents.OfType<Command>().FirstOrDefault()) names.Insert(0, current.Name);
        return string.Join(' ', names.Prepend("cache"));
    }

    public static string HelpOf(Command command) => $"'{Invocation(command)} --help'";

    // System.CommandLine says "Unrecognized command or argument 'x'." for words it could not place.
    private static string? UnrecognizedToken(string message)
    {
        const string prefix = "Unrecognized command or argument '";
        return message.StartsWith(prefix, StringComparison.Ordinal) && message.EndsWith("'.", StringComparison.Ordinal)
            ? message[prefix.Length..^2]
            : null;
    }
}
