using System.Diagnostics.CodeAnalysis;

namespace CacheRegistry.Server.Core;

/// <summary>A validated namespace: 1–64 of [A-Za-z0-9._-], starting with a letter or digit.</summary>
public readonly record struct NamespaceName
{
    public const int MaxLength = 64;

    public static readonly NamespaceName Default = new("default");

    // First path segments that belong to the server's own routes and protocols.
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "api", "healthz", "readyz", "metrics", "cas", "ac", "ccache", "cache", "v1", "v8",
    };

    public string Value { get; }

    private NamespaceName(string value) => Value = value;

    public static bool TryParse([NotNullWhen(true)] string? text, out NamespaceName name)
    {
        name = default;
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength || !char.IsAsciiLetterOrDigit(text[0])) return false;
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-')) return false;
        }
        if (Reserved.Contains(text)) return false;
        name = new NamespaceName(text);
        return true;
    }

    public override string ToString() => Value;
}
