using System.CommandLine;
using CacheRegistry.Cli.Output;
using CacheRegistry.Client;
using CacheRegistry.Client.Artifacts;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Cli;

/// <summary>What every command gets: its output writers, the client settings of the global options, progress and confirmation.</summary>
public sealed class CliContext(CliHost host, GlobalOptions globals, ParseResult parse, CacheClientOptions clientOptions)
{
    public CliHost Host { get; } = host;

    public TextWriter Output => Host.Output;

    public TextWriter Error => Host.Error;

    public CacheClientOptions ClientOptions { get; } = clientOptions;

    public bool Verbose => parse.GetValue(globals.Verbose);

    public bool Quiet => parse.GetValue(globals.Quiet);

    /// <summary>--namespace as given on the command line (not from the environment), or null.</summary>
    public string? NamespaceOption => globals.NamespaceGiven(parse) ? parse.GetValue(globals.Namespace) : null;

    /// <summary>The namespace commands act in when a reference names none.</summary>
    public string DefaultNamespace => ClientOptions.Namespace ?? "default";

    /// <summary>Where progress of long transfers goes.</summary>
    public ITransferMonitor Transfers => TransferMonitors.For(Host, Quiet);

    public string LocalCacheDirectory => globals.LocalCacheDirectory(parse, Host);

    /// <summary>A client for a namespace (null: the global option's).</summary>
    /// <exception cref="UsageException">The namespace is not a valid name.</exception>
    public CacheClient CreateClient(string? ns = null)
    {
        var effective = ns ?? ClientOptions.Namespace;
        EnsureValidNamespace(effective);
        return Host.CreateClient(ClientOptions with { Namespace = effective });
    }

    /// <summary>A client for the server-wide operator API (--namespace, if given, is not a namespace there but a pattern or a target).</summary>
    public CacheClient CreateOperatorClient() => Host.CreateClient(ClientOptions with { Namespace = null });

    /// <summary>Clients per namespace, for a project's dependencies.</summary>
    public NamespaceClients CreateNamespaceClients()
    {
        EnsureValidNamespace(ClientOptions.Namespace);
        return new NamespaceClients(n => Host.CreateClient(ClientOptions with { Namespace = n }), ClientOptions.Namespace);
    }

    private static void EnsureValidNamespace(string? ns)
    {
        if (ns is not null && !ArtifactReference.IsValidNamespace(ns))
        {
            throw new UsageException($"'{ns}' is not a namespace: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    /// <summary>A path from the command line, relative to the current directory.</summary>
    public string FullPath(string path) => Path.GetFullPath(path, Host.CurrentDirectory);

    public int Fail(int exitCode, string message)
    {
        Error.WriteLine($"error: {message}");
        return exitCode;
    }

    public void Warn(string message) => Error.WriteLine($"warning: {message}");

    /// <summary>A line for people on stdout; with --json nothing goes there but the document.</summary>
    public void Say(string line) => Output.WriteLine(line);

    public int Json(object document)
    {
        JsonOutput.Write(Output, document);
        return ExitCodes.Success;
    }

    /// <summary>Parses a digest argument; a malformed one is a usage error.</summary>
    public bool TryParseDigest(string? text, out Sha256Digest digest, out int exitCode)
    {
        exitCode = ExitCodes.Success;
        if (Sha256Digest.TryParse(text, out digest)) return true;
        exitCode = Fail(ExitCodes.Usage, $"'{text}' is not a SHA-256 digest (64 lowercase hex characters)");
        return false;
    }

    /// <summary>
    /// Asks before something that cannot be undone: on a terminal, the user types <paramref name="expected"/>;
    /// elsewhere (scripts, CI) it is refused unless --yes was given.
    /// </summary>
    /// <returns>Null to go ahead; otherwise the exit code to end with.</returns>
    public int? Confirm(bool yes, string question, string expected)
    {
        if (yes) return null;
        if (!Host.InputIsTerminal) return Fail(ExitCodes.Usage, $"{question} Not asking outside a terminal: pass --yes to confirm");
        Error.Write($"{question} Type '{expected}' to confirm: ");
        var answer = Host.Input.ReadLine();
        return answer?.Trim() == expected ? null : Fail(ExitCodes.Error, "not confirmed; nothing was deleted");
    }
}

/// <summary>A command-line value that cannot be used; exit 2 with the message.</summary>
public sealed class UsageException(string message) : Exception(message);
