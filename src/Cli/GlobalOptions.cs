using System.CommandLine;
using CacheRegistry.Client;

namespace CacheRegistry.Cli;

/// <summary>
/// The options every command takes, with their environment fallbacks. A fallback is read when the
/// option is used, never as a default value: help shows <c>[env: NAME]</c>, never what NAME holds.
/// One set per command line (an option belongs to the command tree it is added to).
/// </summary>
public sealed class GlobalOptions
{
    public const string DefaultServer = "http://127.0.0.1:5080";

    public readonly Option<string?> Server = new("--server")
    {
        Description = $"Server URL [env: CACHE_SERVER] [default: {DefaultServer}]",
        Recursive = true,
    };

    public readonly Option<string?> Token = new("--token")
    {
        Description = "Bearer token [env: CACHE_TOKEN]",
        Recursive = true,
    };

    public readonly Option<string?> Namespace = new("--namespace", "-n")
    {
        Description = "Namespace (default: the server's default namespace) [env: CACHE_NAMESPACE]",
        Recursive = true,
    };

    public readonly Option<string?> CaBundle = new("--ca-bundle")
    {
        Description = "PEM file of CA certificates to trust for HTTPS [env: CACHE_CA_BUNDLE]",
        Recursive = true,
    };

    public readonly Option<string?> LocalCache = new("--local-cache")
    {
        Description = "Local cache directory: exec's local tier, unfinished uploads [env: CACHE_LOCAL_DIR] [default: ~/.cache/cacheregistry]",
        Recursive = true,
    };

    public readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Show details of errors (with the stack trace of unexpected ones)",
        Recursive = true,
    };

    public readonly Option<bool> Quiet = new("--quiet", "-q")
    {
        Description = "No progress output",
        Recursive = true,
    };

    public IEnumerable<Option> All => [Server, Token, Namespace, CaBundle, LocalCache, Verbose, Quiet];

    /// <summary>The namespace given on the command line or in CACHE_NAMESPACE, or null.</summary>
    public string? NamespaceOf(ParseResult result, CliHost host) => Value(result, Namespace) ?? host.Variable("CACHE_NAMESPACE");

    /// <summary>Whether --namespace itself (not the environment) was given.</summary>
    public bool NamespaceGiven(ParseResult result) => result.GetResult(Namespace) is { Implicit: false };

    public string LocalCacheDirectory(ParseResult result, CliHost host) =>
        (Value(result, LocalCache) ?? host.Variable("CACHE_LOCAL_DIR")) is { } given ? Path.GetFullPath(given, host.CurrentDirectory)
        : Path.Combine(host.Variable("XDG_CACHE_HOME") ?? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".cache"), "cacheregistry");

    /// <summary>The client settings of the command line; a value that cannot be used is a usage error.</summary>
    public CacheClientOptions ClientOptions(ParseResult result, CliHost host, out string? usageError)
    {
        usageError = null;
        var server = Value(result, Server) ?? host.Variable("CACHE_SERVER") ?? DefaultServer;
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            usageError = $"--server '{server}' is not an http(s) URL, e.g. {DefaultServer}";
            uri = new Uri(DefaultServer);
        }
        var bundle = (Value(result, CaBundle) ?? host.Variable("CACHE_CA_BUNDLE")) is { } given ? Path.GetFullPath(given, host.CurrentDirectory) : null;
        if (bundle is not null && !File.Exists(bundle)) usageError ??= $"--ca-bundle {bundle}: no such file (a PEM file of CA certificates)";
        return new CacheClientOptions
        {
            Server = uri,
            Token = Value(result, Token) ?? host.Variable("CACHE_TOKEN"),
            Namespace = NamespaceOf(result, host),
            CaBundlePath = bundle,
            UploadSessions = new FileUploadSessionStore(Path.Combine(LocalCacheDirectory(result, host), "uploads")),
        };
    }

    private static string? Value(ParseResult result, Option<string?> option) => result.GetValue(option) is { Length: > 0 } value ? value : null;
}
