using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace CacheRegistry.Tests.Documentation;

/// <summary>
/// The shell blocks of README.md that are marked to be run, and a runner for them. A marker is an HTML
/// comment on the line right before a <c>```sh</c> fence:
/// <list type="bullet">
/// <item><c>&lt;!-- test: run --&gt;</c>: the block runs on its own, against a fresh server;</item>
/// <item><c>&lt;!-- test: run after the previous block --&gt;</c>: the previous marked block runs first,
/// in the same directory against the same server;</item>
/// <item><c>&lt;!-- test: run with auth --&gt;</c>: the fresh server has auth on, and the block finds its
/// bootstrap token in <c>$BOOTSTRAP_TOKEN</c>.</item>
/// </list>
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static partial class ReadmeExamples
{
    /// <summary>The server addresses the README uses; a marked block talks to the test's server instead.</summary>
    public static readonly string[] ServerAddresses = ["http://127.0.0.1:5080", "https://cache.example.com"];

    public static string ReadmePath => Path.Combine(Infrastructure.RepositoryRoot.Path, "README.md");

    public static IReadOnlyList<ReadmeBlock> Blocks { get; } = Parse(File.ReadAllLines(ReadmePath));

    public static ReadmeBlock At(int line) =>
        Blocks.SingleOrDefault(b => b.Line == line) ?? throw new InvalidOperationException($"no marked block at README.md line {line}");

    /// <summary>The marked blocks of a Markdown file; a marker that is malformed or not right before a sh fence is an error.</summary>
    public static IReadOnlyList<ReadmeBlock> Parse(IReadOnlyList<string> lines)
    {
        var blocks = new List<ReadmeBlock>();
        for (var i = 0; i < lines.Count; i++)
        {
            var text = lines[i].Trim();
            if (!text.StartsWith("<!-- test:", StringComparison.Ordinal)) continue;
            var marker = Marker().Match(text);
            if (!marker.Success)
            {
                throw new FormatException($"README.md line {i + 1}: unknown test marker {text} (known: <!-- test: run -->, <!-- test: run after the previous block -->, <!-- test: run with auth -->)");
            }
            if (i + 1 >= lines.Count || lines[i + 1].TrimEnd() != "```sh")
            {
                throw new FormatException($"README.md line {i + 1}: a test marker must be right before a ```sh block");
            }
            var script = new StringBuilder();
            var end = i + 2;
            for (; end < lines.Count && !lines[end].StartsWith("```", StringComparison.Ordinal); end++) script.Append(lines[end]).Append('\n');
            if (end >= lines.Count) throw new FormatException($"README.md line {i + 2}: the block is not closed");

            var kind = marker.Groups["kind"].Value;
            ReadmeBlock? after = null;
            if (kind == "after the previous block")
            {
                after = blocks.LastOrDefault() ?? throw new FormatException($"README.md line {i + 1}: no previous marked block to run after");
            }
            blocks.Add(new ReadmeBlock(i + 2, script.ToString(), Auth: kind == "with auth" || after?.Auth == true, after));
            i = end;
        }
        return blocks;
    }

    [GeneratedRegex(@"^<!-- test: run(?: (?<kind>after the previous block|with auth))? -->$")]
    private static partial Regex Marker();

    /// <summary>
    /// Runs a script as the README's reader would: <c>bash -euo pipefail</c>, in <paramref name="workDirectory"/>,
    /// with the built `cache` first on PATH and the README's server addresses replaced by <paramref name="server"/>.
    /// </summary>
    public static async Task<BlockResult> RunAsync(string script, string workDirectory, string toolDirectory, Uri? server,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var address = server?.ToString().TrimEnd('/');
        if (address is not null)
        {
            foreach (var documented in ServerAddresses) script = script.Replace(documented, address, StringComparison.Ordinal);
        }
        var scriptPath = Path.Combine(toolDirectory, $"block-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(scriptPath, script);

        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
        };
        foreach (var argument in new[] { "-euo", "pipefail", scriptPath }) info.ArgumentList.Add(argument);
        // Nothing of the caller's own `cache` setup leaks in.
        foreach (var name in new[] { "CACHE_SERVER", "CACHE_TOKEN", "CACHE_NAMESPACE", "CACHE_CA_BUNDLE", "CACHE_LOCAL_DIR", "BOOTSTRAP_TOKEN" })
        {
            info.Environment.Remove(name);
        }
        info.Environment["PATH"] = toolDirectory + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        info.Environment["CACHE_LOCAL_DIR"] = Path.Combine(toolDirectory, "local-cache");
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(toolDirectory, "xdg-cache");
        if (address is not null) info.Environment["CACHE_SERVER"] = address;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;

        using var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (error) error.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (error) error.AppendLine($"(timed out after {timeout ?? TimeSpan.FromMinutes(5)}; killed)");
            return new BlockResult(-1, output.ToString(), error.ToString());
        }
        process.WaitForExit(); // drains the redirected streams
        return new BlockResult(process.ExitCode, output.ToString(), error.ToString());
    }

    /// <summary>A directory for a block's tools: a `cache` script that runs the CLI built next to the tests.</summary>
    public static string CreateToolDirectory(string parent)
    {
        var directory = Directory.CreateDirectory(Path.Combine(parent, "tools")).FullName;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var cache = Path.Combine(directory, "cache");
        File.WriteAllText(cache, $"#!/bin/sh\nexec '{dotnet}' '{Path.Combine(AppContext.BaseDirectory, "cache.dll")}' \"$@\"\n");
        File.SetUnixFileMode(cache, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return directory;
    }
}

/// <param name="Line">The README line of the block's opening fence.</param>
/// <param name="After">The block that runs first, in the same directory and against the same server.</param>
public sealed record ReadmeBlock(int Line, string Script, bool Auth, ReadmeBlock? After)
{
    /// <summary>This block and those it runs after, first to run first.</summary>
    public IReadOnlyList<ReadmeBlock> Chain => After is null ? [this] : [.. After.Chain, this];
}

public sealed record BlockResult(int ExitCode, string Output, string Error);
