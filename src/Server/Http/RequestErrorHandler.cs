using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Hosting;
using Microsoft.AspNetCore.Diagnostics;

namespace CacheRegistry.Server.Http;

/// <summary>
/// The one place HTTP failures get their status: the core's domain errors, the edge's own refusals, and
/// outages of the database or object store (503) or of the disk (507). Anything else is a bug: left to
/// the default handler, which answers 500 and logs it.
/// </summary>
public sealed class RequestErrorHandler(ErrorResponses errors, OutageMonitor outages, ILogger<RequestErrorHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, detail) = exception switch
        {
            DomainException e => (StatusOf(e.Kind), e.Message),
            CacheRequestException e => (e.StatusCode, e.Message),
            BadHttpRequestException e => (e.StatusCode, e.Message), // Kestrel: truncated body, over its limits
            OperationCanceledException when context.RequestAborted.IsCancellationRequested => (499, "the client went away"),
            _ => outages.Classify(exception) switch
            {
                FailureKind.Unavailable => (StatusCodes.Status503ServiceUnavailable, "a service the cache depends on is not available; try again shortly"),
                FailureKind.DiskFull => (StatusCodes.Status507InsufficientStorage, "the server's disk is full"),
                _ => (0, ""),
            },
        };
        if (status == 0) return false;
        if (status < 500) logger.LogInformation("{Method} {Path} refused with {Status}: {Detail}", context.Request.Method, context.Request.Path, status, detail);
        await errors.WriteAsync(context, status, detail, cancellationToken, exception);
        return true;
    }

    /// <summary>The HTTP status of each kind of domain error (the gRPC door maps the same kinds to its codes).</summary>
    public static int StatusOf(DomainErrorKind kind) => kind switch
    {
        DomainErrorKind.InvalidArgument => StatusCodes.Status400BadRequest,
        DomainErrorKind.NotFound => StatusCodes.Status404NotFound,
        DomainErrorKind.Conflict => StatusCodes.Status409Conflict,
        DomainErrorKind.FailedPrecondition => StatusCodes.Status409Conflict,
        DomainErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        DomainErrorKind.QuotaExceeded => StatusCodes.Status507InsufficientStorage,
        DomainErrorKind.UnsupportedEncoding => StatusCodes.Status415UnsupportedMediaType,
        DomainErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        DomainErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        DomainErrorKind.InsufficientStorage => StatusCodes.Status507InsufficientStorage,
        _ => StatusCodes.Status500InternalServerError,
    };
}
