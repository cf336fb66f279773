using CacheRegistry.Client;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Cli;

/// <summary>What every command gets: its output writers and a client built from the global options.</summary>
public sealed class CliContext(TextWriter output, TextWriter error, CacheClientOptions clientOptions)
{
    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public CacheClientOptions ClientOptions { get; } = clientOptions;

    public CacheClient CreateClient() => new(ClientOptions);

    /// <summary>A client for another namespace than the global option's (an artifact's own).</summary>
    public CacheClient CreateClient(string? ns) => ns is null ? CreateClient() : new(ClientOptions with { Namespace = ns });

    public int Fail(int exitCode, string message)
    {
        Error.WriteLine($"error: {message}");
        return exitCode;
    }

    /// <summary>Parses a digest argument; a malformed one is a usage error.</summary>
    public bool TryParseDigest(string? text, out Sha256Digest digest, out int exitCode)
    {
        exitCode = ExitCodes.Success;
        if (Sha256Digest.TryParse(text, out digest)) return true;
        exitCode = Fail(ExitCodes.Usage, $"'{text}' is not a SHA-256 digest (64 lowercase hex characters)");
        return false;
    }
}
