namespace CacheRegistry.Client.Http;

/// <summary>Sends a request again, as <see cref="RetryPolicy"/> decides, when it fails transiently.</summary>
/// <remarks>
/// A request body is sent again by serializing its content again: <see cref="UploadContent"/> reopens its
/// source for each attempt.
/// </remarks>
internal sealed class RetryHandler(RetryPolicy policy) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!RetryPolicy.IsIdempotent(request)) return await base.SendAsync(request, cancellationToken);
        for (var retry = 0; ; retry++)
        {
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException) when (retry < policy.MaxRetries && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(policy.DelayBefore(retry, retryAfter: null), cancellationToken);
                continue;
            }
            if (retry >= policy.MaxRetries || !RetryPolicy.IsTransient(response.StatusCode)) return response;
            var delay = policy.DelayBefore(retry, response.Headers.RetryAfter);
            response.Dispose();
            await Task.Delay(delay, cancellationToken);
        }
    }
}
