using System.Diagnostics.CodeAnalysis;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;

namespace CacheRegistry.Server.Auth;

public enum CachePermission { Read, Write, Delete, Admin }

/// <summary>
/// One grant: a permission on the namespaces matching a pattern, written <c>pattern:permission</c>
/// (<c>ci-*:write</c>, <c>*:read</c>). <c>*</c> matches any run of characters. Write and delete include
/// read; admin includes everything, and admin on <c>*</c> also opens the operator API.
/// </summary>
public sealed record NamespaceScope(string Pattern, CachePermission Permission)
{
    public const string ClaimType = "scope";

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out NamespaceScope? scope)
    {
        scope = null;
        var colon = text?.LastIndexOf(':') ?? -1;
        if (colon <= 0) return false;
        var pattern = text![..colon];
        if (!pattern.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '*') || pattern.Length > NamespaceName.MaxLength) return false;
        if (!Enum.TryParse<CachePermission>(text[(colon + 1)..], ignoreCase: true, out var permission) || !Enum.IsDefined(permission)) return false;
        scope = new NamespaceScope(pattern, permission);
        return true;
    }

    /// <summary>Parses a space-separated list; unparseable entries grant nothing.</summary>
    public static IReadOnlyList<NamespaceScope> ParseList(IEnumerable<string> values) =>
        values.SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(v => TryParse(v, out var scope) ? scope : null)
            .OfType<NamespaceScope>()
            .ToList();

    public bool Grants(NamespaceName ns, CachePermission permission) => Includes(permission) && Matches(Pattern, ns.Value);

    public bool GrantsEverywhere(CachePermission permission) => Includes(permission) && Pattern == "*";

    private bool Includes(CachePermission wanted) =>
        Permission == CachePermission.Admin || Permission == wanted || wanted == CachePermission.Read;

    /// <summary>Glob match where '*' is any run of characters (namespaces hold no other special characters).</summary>
    public static bool Matches(string pattern, string value)
    {
        int p = 0, v = 0, star = -1, resume = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && pattern[p] != '*' && pattern[p] == value[v]) { p++; v++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; resume = v; }
            else if (star >= 0) { p = star + 1; v = ++resume; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    public override string ToString() => $"{Pattern}:{Permission.ToString().ToLowerInvariant()}";
}
