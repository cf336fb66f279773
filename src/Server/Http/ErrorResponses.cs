using Microsoft.AspNetCore.Diagnostics;

namespace CacheRegistry.Server.Http;

/// <summary>
/// Writes every refusal and failure the same way: the status, the headers clients act on (the schemes
/// to authenticate with on 401, Retry-After on 429 and 503), and the reason as a problem body, or as
/// plain text for protocols whose clients show it to their user.
/// </summary>
public sealed class ErrorResponses(IProblemDetailsService problems)
{
    public const int RetryAfterSeconds = 5;

    public async Task WriteAsync(HttpContext context, int status, string detail, CancellationToken cancellationToken, Exception? exception = null)
    {
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested) return;
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized) context.Response.Headers.WWWAuthenticate = new(["Bearer", "Basic realm=\"CacheRegistry\""]);
        if (status is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status429TooManyRequests && context.Response.Headers.RetryAfter.Count == 0)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
        }
        // The exception handler clears the endpoint before calling handlers; the feature keeps the original.
        var endpoint = context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<PlainTextErrors>() is not null)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(detail, cancellationToken);
            return;
        }
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Detail = detail },
        });
    }
}
