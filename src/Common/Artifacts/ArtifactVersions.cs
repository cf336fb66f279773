using System.Text.RegularExpressions;

namespace CacheRegistry.Common.Artifacts;

/// <summary>
/// The syntax of versions, tags and version ranges, checked before anything is sent: a SemVer 2.0
/// version; a tag (a lowercase letter, then lowercase letters, digits, '.', '_', '-'; at most 64); or an
/// npm-style range (<c>1.2.3</c>, <c>^1.2</c>, <c>~1.2.3</c>, <c>&gt;=1.0 &lt;2.0</c>, <c>1.x</c>, <c>*</c>,
/// <c>a || b</c>). Which versions a range matches is the server's business; this only says whether
/// the server would understand it.
/// </summary>
public static partial class ArtifactVersions
{
    /// <summary>How specs are written, for error messages.</summary>
    public const string SpecRules = "a version range (1.2.3, ^1.2, ~1.2.3, >=1.0 <2.0, 1.x, *, a || b) or a tag (a lowercase letter, then a-z, 0-9, '.', '_', '-')";

    // semver.org's regular expression.
    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex SemVer();

    [GeneratedRegex(@"^(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*$", RegexOptions.CultureInvariant)]
    private static partial Regex Prerelease();

    /// <summary>A SemVer 2.0 version: 1.2.3, 1.2.3-beta.1, 1.2.3+build.7.</summary>
    public static bool IsValidVersion(string text) => text.Length <= 256 && SemVer().IsMatch(text);

    /// <summary>A tag name.</summary>
    public static bool IsValidTag(string text) =>
        text.Length is > 0 and <= 64 && char.IsAsciiLetterLower(text[0]) && text.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-');

    /// <summary>A range or a tag: what <c>resolve</c>, <c>pull</c> and cache.json accept.</summary>
    public static bool IsValidSpec(string text) => IsValidRange(text.Trim()) || IsValidTag(text.Trim());

    /// <summary>An npm-style range the server parses.</summary>
    public static bool IsValidRange(string text)
    {
        foreach (var alternative in text.Split("||"))
        {
            var comparators = alternative.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (comparators.Length == 0 || !comparators.All(IsValidComparator)) return false;
        }
        return true;
    }

    private static bool IsValidComparator(string token)
    {
        var op = token.StartsWith(">=") || token.StartsWith("<=") ? token[..2] : token.Length > 0 && token[0] is '>' or '<' or '=' or '^' or '~' ? token[..1] : "";
        var rest = token[op.Length..];
        if (rest.StartsWith('v')) rest = rest[1..];
        if (!TryParsePartial(rest, out var hasMajor)) return false;
        return hasMajor || op is "" or "=";
    }

    // "1", "1.2", "1.2.3", "1.2.3-beta.1", with x, X or * as wildcards (no number after a wildcard); build metadata allowed.
    private static bool TryParsePartial(string text, out bool hasMajor)
    {
        hasMajor = false;
        var plus = text.IndexOf('+');
        if (plus >= 0) text = text[..plus];
        string? prerelease = null;
        var dash = text.IndexOf('-');
        if (dash >= 0)
        {
            prerelease = text[(dash + 1)..];
            text = text[..dash];
            if (!Prerelease().IsMatch(prerelease)) return false;
        }
        var parts = text.Split('.');
        if (parts.Length > 3) return false;
        var wildcard = false;
        foreach (var part in parts)
        {
            if (part is "x" or "X" or "*")
            {
                wildcard = true;
                continue;
            }
            if (wildcard || part.Length == 0 || !part.All(char.IsAsciiDigit) || !int.TryParse(part, out _)) return false;
        }
        hasMajor = parts[0] is not ("x" or "X" or "*");
        return prerelease is null || (parts.Length == 3 && !wildcard);
    }
}
