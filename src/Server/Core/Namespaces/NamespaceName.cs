using System.Diagnostics.CodeAnalysis;

namespace CacheRegistry.Server.Core.Namespaces;

/// <summary>A validated namespace: 1–64 of [A-Za-z0-9._-], starting with a letter or digit.</summary>
public readonly record struct NamespaceName
{
    public const int MaxLength = 64;

    public const string Rules = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static readonly NamespaceName Default = new("default");

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
        name = new NamespaceName(text);
        return true;
    }

    public static NamespaceName Parse(string text) =>
        TryParse(text, out var name) ? name : throw Errors.DomainException.Invalid($"invalid namespace '{text}': use {Rules}");

    public override string ToString() => Value;
}
