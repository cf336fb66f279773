using System.Diagnostics.CodeAnalysis;
using NuGet.Versioning;

namespace CacheRegistry.Server.Core.Artifacts;

/// <summary>
/// npm-style version ranges over SemVer 2.0: exact (<c>1.2.3</c>), x-ranges (<c>1.x</c>, <c>1.2</c>, <c>*</c>),
/// caret (<c>^1.2</c>), tilde (<c>~1.2.3</c>), comparators (<c>&gt;=1.0 &lt;2.0</c>) and alternatives (<c>||</c>).
/// A pre-release matches only when asked for, or when the range names a pre-release of the same
/// major.minor.patch. Build metadata never affects matching.
/// </summary>
public sealed class SemVerRange
{
    private enum Operator { Equal, Greater, GreaterOrEqual, Less, LessOrEqual }

    private sealed record Comparator(Operator Op, SemanticVersion Version);

    private readonly List<List<Comparator>> _alternatives;

    private SemVerRange(List<List<Comparator>> alternatives) => _alternatives = alternatives;

    public static bool TryParse(string text, [NotNullWhen(true)] out SemVerRange? range)
    {
        range = null;
        var alternatives = new List<List<Comparator>>();
        foreach (var alternative in text.Split("||"))
        {
            var comparators = new List<Comparator>();
            var tokens = alternative.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0) return false;
            foreach (var token in tokens)
            {
                if (!TryDesugar(token, comparators)) return false;
            }
            alternatives.Add(comparators);
        }
        range = new SemVerRange(alternatives);
        return true;
    }

    public bool Matches(SemanticVersion version, bool includePrerelease) =>
        _alternatives.Any(comparators =>
            comparators.All(c => Satisfies(c, version))
            && (!version.IsPrerelease || includePrerelease || comparators.Any(c => c.Version.IsPrerelease && SameRelease(c.Version, version))));

    private static bool SameRelease(SemanticVersion a, SemanticVersion b) => a.Major == b.Major && a.Minor == b.Minor && a.Patch == b.Patch;

    private static bool Satisfies(Comparator comparator, SemanticVersion version)
    {
        var order = VersionComparer.Default.Compare(version, comparator.Version);
        return comparator.Op switch
        {
            Operator.Equal => order == 0,
            Operator.Greater => order > 0,
            Operator.GreaterOrEqual => order >= 0,
            Operator.Less => order < 0,
            _ => order <= 0,
        };
    }

    private static bool TryDesugar(string token, List<Comparator> into)
    {
        var (op, rest) = token switch
        {
            _ when token.StartsWith(">=") => (">=", token[2..]),
            _ when token.StartsWith("<=") => ("<=", token[2..]),
            _ when token.StartsWith('>') => (">", token[1..]),
            _ when token.StartsWith('<') => ("<", token[1..]),
            _ when token.StartsWith('=') => ("=", token[1..]),
            _ when token.StartsWith('^') => ("^", token[1..]),
            _ when token.StartsWith('~') => ("~", token[1..]),
            _ => ("", token),
        };
        if (rest.StartsWith('v')) rest = rest[1..];
        if (!TryParsePartial(rest, out var major, out var minor, out var patch, out var suffix)) return false;

        SemanticVersion V(int a, int b, int c, string? pre = null) => new(a, b, c, pre ?? suffix ?? "");
        SemanticVersion Floor(int a, int b, int c) => new(a, b, c, "0"); // the lowest pre-release: excludes the next release's pre-releases

        var full = major is not null && minor is not null && patch is not null;
        switch (op)
        {
            case "" or "=":
                if (full) into.Add(new(Operator.Equal, V(major!.Value, minor!.Value, patch!.Value)));
                else if (major is null) into.Add(new(Operator.GreaterOrEqual, new SemanticVersion(0, 0, 0)));
                else if (minor is null) AddBetween(into, V(major.Value, 0, 0, ""), Floor(major.Value + 1, 0, 0));
                else AddBetween(into, V(major.Value, minor.Value, 0, ""), Floor(major.Value, minor.Value + 1, 0));
                return true;
            case "^":
                if (major is null) return false;
                var (m, n, p) = (major.Value, minor ?? 0, patch ?? 0);
                var upper = m > 0 || minor is null ? Floor(m + 1, 0, 0)
                    : n > 0 || patch is null ? Floor(0, n + 1, 0)
                    : Floor(0, 0, p + 1);
                AddBetween(into, V(m, n, p, full ? null : ""), upper);
                return true;
            case "~":
                if (major is null) return false;
                AddBetween(into, V(major.Value, minor ?? 0, patch ?? 0, full ? null : ""),
                    minor is null ? Floor(major.Value + 1, 0, 0) : Floor(major.Value, minor.Value + 1, 0));
                return true;
            case ">=":
                into.Add(new(Operator.GreaterOrEqual, V(major ?? 0, minor ?? 0, patch ?? 0, full ? null : "")));
                return major is not null;
            case "<":
                into.Add(new(Operator.Less, full ? V(major!.Value, minor!.Value, patch!.Value) : Floor(major ?? 0, minor ?? 0, 0)));
                return major is not null;
            case ">":
                if (major is null) return false;
                if (full) into.Add(new(Operator.Greater, V(major.Value, minor!.Value, patch!.Value)));
                else into.Add(new(Operator.GreaterOrEqual, minor is null ? V(major.Value + 1, 0, 0, "") : V(major.Value, minor.Value + 1, 0, "")));
                return true;
            default: // "<="
                if (major is null) return false;
                if (full) into.Add(new(Operator.LessOrEqual, V(major.Value, minor!.Value, patch!.Value)));
                else into.Add(new(Operator.Less, minor is null ? Floor(major.Value + 1, 0, 0) : Floor(major.Value, minor.Value + 1, 0)));
                return true;
        }
    }

    private static void AddBetween(List<Comparator> into, SemanticVersion lower, SemanticVersion upperExclusive)
    {
        into.Add(new(Operator.GreaterOrEqual, lower));
        into.Add(new(Operator.Less, upperExclusive));
    }

    /// <summary>"1", "1.2", "1.2.3", "1.2.3-beta.1", with x, X or * as wildcards; build metadata is dropped.</summary>
    private static bool TryParsePartial(string text, out int? major, out int? minor, out int? patch, out string? prerelease)
    {
        major = minor = patch = null;
        prerelease = null;
        var plus = text.IndexOf('+');
        if (plus >= 0) text = text[..plus];
        var dash = text.IndexOf('-');
        if (dash >= 0)
        {
            prerelease = text[(dash + 1)..];
            text = text[..dash];
            if (prerelease.Length == 0) return false;
        }
        var parts = text.Split('.');
        if (parts.Length is 0 or > 3) return false;
        var values = new int?[3];
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i] is "x" or "X" or "*") { values[i] = null; continue; }
            if (!int.TryParse(parts[i], out var number) || number < 0 || (i > 0 && values[i - 1] is null)) return false;
            values[i] = number;
        }
        (major, minor, patch) = (values[0], parts.Length > 1 ? values[1] : null, parts.Length > 2 ? values[2] : null);
        if (prerelease is not null && patch is null) return false;
        if (prerelease is not null && !SemanticVersion.TryParse($"0.0.0-{prerelease}", out _)) return false;
        return true;
    }
}
