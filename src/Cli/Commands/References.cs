using CacheRegistry.Common.Artifacts;

namespace CacheRegistry.Cli.Commands;

/// <summary>An artifact as a command names it: [namespace/]name[@version|range|tag].</summary>
public sealed record ArtifactArgument(string? Namespace, string Name, string? Spec)
{
    /// <summary>The namespace it names, else the context's.</summary>
    public string NamespaceIn(CliContext context) => Namespace ?? context.DefaultNamespace;

    /// <summary>Parses a reference; anything malformed is a <see cref="UsageException"/> saying how to write it.</summary>
    /// <param name="text">As typed.</param>
    /// <param name="shape">How it should look, for the message: "[namespace/]name@version".</param>
    /// <param name="spec">Whether a spec is required (exact: a version), forbidden, or optional.</param>
    public static ArtifactArgument Parse(string text, string shape, SpecRule spec)
    {
        if (!ArtifactReference.TryParse(text, out var ns, out var name, out var given))
        {
            throw new UsageException($"'{text}' is not {shape} ({ArtifactReference.NameRules})");
        }
        switch (spec)
        {
            case SpecRule.None when given is not null:
                throw new UsageException($"'{text}': give {shape}, without @");
            case SpecRule.ExactVersion when given is null || !ArtifactVersions.IsValidVersion(given):
                throw new UsageException(given is null ? $"'{text}': give {shape}" : $"'{given}' is not a SemVer 2.0 version (e.g. 1.2.3, 1.2.3-beta.1)");
            case SpecRule.Required when given is null:
                throw new UsageException($"'{text}': give {shape}");
            case SpecRule.Required or SpecRule.Optional when given is not null && !ArtifactVersions.IsValidSpec(given):
                throw new UsageException($"'{given}' is not {ArtifactVersions.SpecRules}");
        }
        return new ArtifactArgument(ns, name, given?.Trim());
    }
}

public enum SpecRule
{
    /// <summary>name only.</summary>
    None,

    /// <summary>name@1.2.3.</summary>
    ExactVersion,

    /// <summary>name@range|version|tag.</summary>
    Required,

    /// <summary>name or name@range|version|tag.</summary>
    Optional,
}
