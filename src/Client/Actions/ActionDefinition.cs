namespace CacheRegistry.Client.Actions;

/// <summary>A build step as the user declares it: what runs, what it reads, what it writes.</summary>
public sealed record ActionDefinition
{
    /// <summary>The executable and its arguments, run without a shell.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Workspace root: inputs and outputs are relative to it, and the command runs in it.</summary>
    public required string Root { get; init; }

    /// <summary>Files, directories (everything below them) and glob patterns (<c>*</c>, <c>?</c>, <c>**</c>), relative to the root.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>Files or directories the step produces, relative to the root.</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];

    /// <summary>Names of environment variables whose values are part of the key; no other variable is.</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];

    /// <summary>The toolchain executable to fingerprint; default: the command's own executable.</summary>
    public string? Toolchain { get; init; }

    /// <summary>An argument that makes the toolchain print its version (e.g. --version); its output joins the fingerprint.</summary>
    public string? ToolchainVersionArgument { get; init; }

    /// <summary>Anything else the user wants in the key (e.g. to invalidate everything at once).</summary>
    public string Salt { get; init; } = "";
}
