using System.Net;
using System.Net.Http.Headers;

namespace CacheRegistry.Client.Http;

/// <summary>
/// When a request is tried again: on transport errors, 408, 429 and 5xx, with exponential backoff and
/// jitter (or the server's Retry-After), and only for requests that are safe to repeat.
/// </summary>
internal sealed class RetryPolicy(int maxRetries, TimeSpan baseDelay)
{
    /// <summary>
    /// Marks a POST that is safe to repeat (a query sent as POST, such as find-missing). Other POSTs
    /// (issue a token, start an upload, run GC) create something each time and are never retried.
    /// </summary>
    public const string IdempotentProperty = "CacheRegistry.Idempotent";

    // Longest wait between attempts, whatever the backoff or a Retry-After header asks for.
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    public static RetryPolicy For(CacheClientOptions options) => new(options.MaxRetries, options.RetryBaseDelay);

    /// <summary>Retries after the first attempt.</summary>
    public int MaxRetries => maxRetries;

    // GET, HEAD, PUT and DELETE are idempotent by HTTP's definition, and our PUTs are: the same blob,
    // action value, part or version sent twice leaves what one did.
    public static bool IsIdempotent(HttpRequestMessage request)
    {
        if (request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Put || request.Method == HttpMethod.Delete) return true;
        return request.Options.TryGetValue(new HttpRequestOptionsKey<object?>(IdempotentProperty), out var marked) && marked is true;
    }

    public static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    /// <summary>The wait before retry number <paramref name="retry"/> (0 for the first).</summary>
    public TimeSpan DelayBefore(int retry, RetryConditionHeaderValue? retryAfter)
    {
        var asked = retryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => (TimeSpan?)null,
        };
        // A date already past (clocks disagree) says nothing: the backoff decides.
        if (asked > TimeSpan.Zero) return asked.Value > MaxDelay ? MaxDelay : asked.Value;
        // Exponential, each wait scattered over ±25% so clients that failed together do not return together.
        var backoff = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 30)) * (0.75 + Random.Shared.NextDouble() / 2);
        return TimeSpan.FromMilliseconds(Math.Clamp(backoff, 0, MaxDelay.TotalMilliseconds));
    }
}
