using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Client.Actions;

/// <summary>One input as it enters the key: workspace-relative path and content digest, or, for a symbolic link kept as a link, its target.</summary>
public sealed record InputFile(string Path, string Digest, string? LinkTarget = null);

/// <summary>
/// Everything an action key is made of, and nothing else: command line, allow-listed environment,
/// input files, toolchain fingerprint, platform and salt. No timestamps, no absolute paths of ours,
/// no unlisted environment, so two checkouts in different directories get the same key.
/// </summary>
public sealed record ActionKeyInputs(
    int Version,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string?> Environment,
    IReadOnlyList<InputFile> Inputs,
    string Toolchain,
    string? ToolchainVersion,
    string Platform,
    string Salt)
{
    /// <summary>The version of the encoding this code writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The action key: SHA-256 of the canonical encoding.</summary>
    public Sha256Digest Key => Sha256Digest.Of(Encoding.UTF8.GetBytes(Canonical()));

    /// <summary>
    /// The versioned encoding that is hashed. Every value is length-prefixed, so no choice of
    /// arguments, names or paths can make two different actions encode the same.
    /// </summary>
    public string Canonical()
    {
        var text = new StringBuilder();
        void Field(string name, params string?[] values)
        {
            text.Append(name);
            foreach (var value in values) text.Append(' ').Append(value is null ? "-" : $"{value.Length}:{value}");
            text.Append('\n');
        }

        Field("cacheregistry-action", Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var argument in Command) Field("arg", argument);
        foreach (var (name, value) in Environment.OrderBy(e => e.Key, StringComparer.Ordinal)) Field("env", name, value);
        foreach (var input in Inputs.OrderBy(i => i.Path, StringComparer.Ordinal))
        {
            if (input.LinkTarget is null) Field("input", input.Path, input.Digest);
            else Field("link", input.Path, input.LinkTarget);
        }
        Field("toolchain", Toolchain, ToolchainVersion);
        Field("platform", Platform);
        Field("salt", Salt);
        return text.ToString();
    }

    /// <summary>What differs from an earlier run of the same step: the reasons a key changed.</summary>
    public IReadOnlyList<string> DifferencesFrom(ActionKeyInputs previous)
    {
        var differences = new List<string>();
        if (previous.Version != Version) differences.Add($"key format changed ({previous.Version} → {Version})");
        if (!previous.Command.SequenceEqual(Command)) differences.Add("command line changed");
        foreach (var name in previous.Environment.Keys.Union(Environment.Keys).Order(StringComparer.Ordinal))
        {
            var before = previous.Environment.GetValueOrDefault(name);
            var after = Environment.GetValueOrDefault(name);
            if (!previous.Environment.ContainsKey(name)) differences.Add($"environment variable {name} added to the key");
            else if (!Environment.ContainsKey(name)) differences.Add($"environment variable {name} removed from the key");
            else if (before != after) differences.Add($"environment variable {name} changed");
        }
        var earlier = previous.Inputs.ToDictionary(i => i.Path, i => i.LinkTarget is null ? i.Digest : "link:" + i.LinkTarget, StringComparer.Ordinal);
        var now = Inputs.ToDictionary(i => i.Path, i => i.LinkTarget is null ? i.Digest : "link:" + i.LinkTarget, StringComparer.Ordinal);
        foreach (var path in earlier.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
        {
            if (!earlier.TryGetValue(path, out var before)) differences.Add($"input {path} added");
            else if (!now.TryGetValue(path, out var after)) differences.Add($"input {path} removed");
            else if (before != after) differences.Add($"input {path} changed");
        }
        if (previous.Toolchain != Toolchain || previous.ToolchainVersion != ToolchainVersion) differences.Add("toolchain changed");
        if (previous.Platform != Platform) differences.Add($"platform changed ({previous.Platform} → {Platform})");
        if (previous.Salt != Salt) differences.Add("salt changed");
        return differences;
    }

    /// <summary>A readable listing of what went into the key.</summary>
    public IEnumerable<string> Describe()
    {
        yield return $"command: {string.Join(' ', Command)}";
        foreach (var (name, value) in Environment.OrderBy(e => e.Key, StringComparer.Ordinal)) yield return $"env: {name}={(value is null ? "(unset)" : value)}";
        foreach (var input in Inputs) yield return input.LinkTarget is null ? $"input: {input.Path} {input.Digest}" : $"input: {input.Path} -> {input.LinkTarget}";
        yield return $"toolchain: {Toolchain}{(ToolchainVersion is null ? "" : $" (version output {ToolchainVersion})")}";
        yield return $"platform: {Platform}";
        if (Salt.Length > 0) yield return $"salt: {Salt}";
    }
}

/// <summary>Computes an action's key inputs from its definition.</summary>
public static class ActionKeyBuilder
{
    /// <summary>Hashes the step's inputs and toolchain (through the digest cache) and gathers the rest of the key.</summary>
    /// <exception cref="CommandNotFoundException">The command does not exist.</exception>
    /// <exception cref="CommandNotExecutableException">The command is not an executable file.</exception>
    /// <exception cref="Files.SymlinkOutsideTreeException">An input is or holds a link leading outside the root (and links are not followed).</exception>
    public static async Task<ActionKeyInputs> BuildAsync(ActionDefinition action, FileDigestCache digests, CancellationToken cancellationToken,
        Files.SymlinkPolicy symlinks = Files.SymlinkPolicy.Preserve)
    {
        if (action.Command.Count == 0) throw new ArgumentException("an action needs a command");
        var executable = Executables.Require(action.Command[0], action.Root);

        var inputs = new List<InputFile>();
        foreach (var entry in InputResolver.Resolve(action.Root, action.Inputs, symlinks))
        {
            if (entry.LinkTarget is { } target)
            {
                inputs.Add(new InputFile(entry.RelativePath, Sha256Digest.Empty.Hex, target));
                continue;
            }
            var (digest, _) = await digests.DigestAsync(entry.FullPath, cancellationToken);
            inputs.Add(new InputFile(entry.RelativePath, digest.Hex));
        }

        var environment = action.Environment.Distinct(StringComparer.Ordinal)
            .ToDictionary(name => name, name => System.Environment.GetEnvironmentVariable(name), StringComparer.Ordinal);

        var toolchainPath = action.Toolchain is null ? executable : WorkspacePaths.Full(action.Root, action.Toolchain);
        if (!File.Exists(toolchainPath)) throw new FileNotFoundException($"toolchain '{action.Toolchain}' was not found");
        var (toolchain, _) = await digests.DigestAsync(toolchainPath, cancellationToken);
        var version = action.ToolchainVersionArgument is null ? null : await VersionDigestAsync(toolchainPath, action.ToolchainVersionArgument, cancellationToken);

        return new ActionKeyInputs(ActionKeyInputs.CurrentVersion, action.Command, environment, inputs, toolchain.Hex, version, Platform(), action.Salt);
    }

    /// <summary>The OS family and architecture, e.g. <c>linux-x64</c>.</summary>
    public static string Platform()
    {
        var os = OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "macos" : OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsFreeBSD() ? "freebsd" : "other";
        return $"{os}-{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}";
    }

    private static async Task<string> VersionDigestAsync(string toolchain, string argument, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(toolchain) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {toolchain}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return Sha256Digest.Of(Encoding.UTF8.GetBytes(await output + await error)).Hex;
    }
}

/// <summary>The command of a step does not exist (a shell would exit 127).</summary>
public sealed class CommandNotFoundException(string command) : FileNotFoundException($"{command}: command not found");

/// <summary>The command of a step exists but cannot be executed (a shell would exit 126).</summary>
public sealed class CommandNotExecutableException(string path) : IOException($"{path}: permission denied (not an executable file)");

/// <summary>Finds the executable a command name runs, the way a shell would.</summary>
public static class Executables
{
    /// <summary>
    /// The full path of the executable <paramref name="command"/> runs (a path is taken relative to
    /// <paramref name="root"/>; a bare name is looked up on PATH, skipping files that are not
    /// executable), or null when there is none.
    /// </summary>
    public static string? Resolve(string command, string root)
    {
        if (command.Contains('/') || command.Contains(Path.DirectorySeparatorChar)) return Path.GetFullPath(command, root);
        var candidates = (System.Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, command))
            .Where(File.Exists)
            .ToList();
        return candidates.FirstOrDefault(IsExecutable) ?? candidates.FirstOrDefault();
    }

    /// <summary>The executable a command runs; throws when there is none or it cannot be executed.</summary>
    /// <exception cref="CommandNotFoundException">Nothing by that name.</exception>
    /// <exception cref="CommandNotExecutableException">A directory, or a file without an execute permission.</exception>
    public static string Require(string command, string root)
    {
        var path = Resolve(command, root);
        if (path is null || (!File.Exists(path) && !Directory.Exists(path))) throw new CommandNotFoundException(command);
        if (!IsExecutable(path)) throw new CommandNotExecutableException(path);
        return path;
    }

    private static bool IsExecutable(string path)
    {
        if (!File.Exists(path)) return false; // a directory
        if (OperatingSystem.IsWindows()) return true;
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0;
    }
}
