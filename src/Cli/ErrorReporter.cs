using System.Net;
using System.Security.Authentication;
using CacheRegistry.Client;
using CacheRegistry.Client.Actions;
using CacheRegistry.Client.Artifacts;
using CacheRegistry.Client.Files;
using CacheRegistry.Common.Artifacts;

namespace CacheRegistry.Cli;

/// <summary>
/// Turns what ended a command into one line on stderr and an exit code. Expected failures (the
/// server's refusals, unreachable servers, bad files, interrupted transfers) say what to do; anything
/// else is a bug, said as such, with the stack trace under --verbose.
/// </summary>
public static class ErrorReporter
{
    public static int Report(Exception exception, CliContext context, CancellationToken cancellation)
    {
        var (code, message) = Describe(exception, context, cancellation);
        context.Error.WriteLine($"error: {message}");
        if (context.Verbose) context.Error.WriteLine(exception.ToString());
        return code;
    }

    public static (int ExitCode, string Message) Describe(Exception exception, CliContext context, CancellationToken cancellation) => exception switch
    {
        OperationCanceledException when cancellation.IsCancellationRequested =>
            (ExitCodes.Interrupted, "interrupted (partial downloads were removed; run the command again to resume an upload)"),
        UsageException e => (ExitCodes.Usage, e.Message),
        CommandNotFoundException e => (ExitCodes.CommandNotFound, e.Message),
        CommandNotExecutableException e => (ExitCodes.CannotExecute, e.Message),
        DependencyNotFoundException e => (ExitCodes.NotFound, e.Message),
        CacheClientException { StatusCode: HttpStatusCode.NotFound } e => (ExitCodes.NotFound, e.Message),
        CacheClientException { StatusCode: HttpStatusCode.Unauthorized } e =>
            (ExitCodes.Error, $"{e.Message} (give a token with --token or CACHE_TOKEN)"),
        CacheClientException { StatusCode: HttpStatusCode.Forbidden } e =>
            (ExitCodes.Error, $"{e.Message} (the token's scopes do not cover this namespace or permission)"),
        CacheClientException e => (ExitCodes.Error, e.Message),
        HttpRequestException { InnerException: AuthenticationException inner } e when inner.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase) =>
            (ExitCodes.Error, Untrusted(e, context)),
        HttpRequestException { InnerException: AuthenticationException inner } =>
            (ExitCodes.Error, $"the TLS handshake with {context.ClientOptions.Server} failed ({inner.Message.TrimEnd('.')}); does the server speak HTTPS there?"),
        HttpRequestException e => (ExitCodes.Error, $"cannot reach {context.ClientOptions.Server}: {e.Message}"),
        ProjectFileException or SigningKeyException or ArtifactContentException or MissingOutputException => (ExitCodes.Error, exception.Message),
        SymlinkOutsideTreeException or IOException or UnauthorizedAccessException => (ExitCodes.Error, exception.Message),
        System.ComponentModel.Win32Exception e => (ExitCodes.Error, $"cannot run a program: {e.Message}"), // e.g. a --toolchain that is not executable
        _ => (ExitCodes.Error, $"unexpected {exception.GetType().Name}: {exception.Message} (a bug: please report it with the output of --verbose)"),
    };

    // .NET says only "The SSL connection could not be established": say why and what to do.
    private static string Untrusted(HttpRequestException error, CliContext context)
    {
        var detail = error.InnerException?.Message.TrimEnd('.');
        return context.ClientOptions.CaBundlePath is { } bundle
            ? $"the certificate of {context.ClientOptions.Server} is not trusted by the CA bundle {bundle} ({detail}); check that the bundle holds the CA that signed the server's certificate"
            : $"the certificate of {context.ClientOptions.Server} is not trusted ({detail}); if a private CA signed it, pass the CA's PEM file with --ca-bundle FILE or CACHE_CA_BUNDLE";
    }
}
