using CacheRegistry.Server.Core;
using Microsoft.AspNetCore.Diagnostics;

namespace CacheRegistry.Server.Protocols;

/// <summary>
/// Maps refused requests to their 4xx status with a problem body (plain text for protocols that want
/// it). Anything else is left to the default handler: a 500 means a bug or an outage, and is logged.
/// </summary>
public sealed class RequestErrorHandler(IProblemDetailsService problems, ILogger<RequestErrorHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, detail) = exception switch
        {
            CacheRequestException e => (e.StatusCode, e.Message),
            BadHttpRequestException e => (e.StatusCode, e.Message), // Kestrel: truncated body, over its limits
            OperationCanceledException when context.RequestAborted.IsCancellationRequested => (499, "the client went away"),
            _ => (0, null),
        };
        if (status == 0) return false;

        logger.LogInformation("{Method} {Path} refused with {Status}: {Detail}", context.Request.Method, context.Request.Path, status, detail);
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested) return true;

        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = new(["Bearer", "Basic realm=\"CacheRegistry\""]);
        }
        // The middleware clears the endpoint before calling handlers; the feature keeps the original.
        var endpoint = context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<PlainTextErrors>() is not null)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(detail ?? "", cancellationToken);
            return true;
        }
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Detail = detail },
        });
    }
}
