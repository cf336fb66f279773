using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace CacheRegistry.Client.Http;

/// <summary>
/// When a request is tried again: on transport errors, 408, 429 and 5xx, with exponential backoff and
/// jitter (or the server's Retry-After), and only for requests that are safe to repeat.
/// </summary>
internal static class RetryPolicy
{
    /// <summary>
    /// Marks a POST that is safe to repeat (a query sent as POST, such as find-missing). Other POSTs
    /// (issue a token, start an upload, run GC) create something each time and are never retried.
    /// </summary>
    public const string IdempotentProperty = "CacheRegistry.Idempotent";

    // Longest wait between attempts, whatever the backoff or a Retry-After header asks for.
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    public static HttpRetryStrategyOptions For(CacheClientOptions options) => new()
    {
        MaxRetryAttempts = options.MaxRetries,
        Delay = options.RetryBaseDelay,
        MaxDelay = MaxDelay,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        ShouldRetryAfterHeader = true,
        ShouldHandle = args => ValueTask.FromResult(
            IsIdempotent(args.Context.GetRequestMessage()) && HttpClientResiliencePredicates.IsTransient(args.Outcome)),
    };

    // GET, HEAD, PUT and DELETE are idempotent by HTTP's definition, and our PUTs are: the same blob,
    // action value, part or version sent twice leaves what one did.
    private static bool IsIdempotent(HttpRequestMessage? request)
    {
        if (request is null) return false;
        if (request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Put || request.Method == HttpMethod.Delete) return true;
        return request.Options.TryGetValue(new HttpRequestOptionsKey<object?>(IdempotentProperty), out var marked) && marked is true;
    }
}
