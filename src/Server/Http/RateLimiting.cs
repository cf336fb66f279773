using System.Threading.RateLimiting;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Configuration;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Http;

/// <summary>
/// A token bucket per caller (its token, or its address without one) and namespace (the request's
/// scope), when configured. A refusal is a 429 with Retry-After, which the build tools read.
/// </summary>
public static class RateLimiting
{
    public static IServiceCollection AddCacheRateLimiting(this IServiceCollection services, RateLimitOptions options)
    {
        if (options.PermitsPerSecond <= 0) return services;
        return services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                // Health probes and other anonymous endpoints are never limited.
                if (context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null) return RateLimitPartition.GetNoLimiter("anonymous endpoints");
                return RateLimitPartition.GetTokenBucketLimiter(PartitionKey(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(options.Burst, 1),
                    TokensPerPeriod = options.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                rejected.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString();
                await rejected.HttpContext.RequestServices.GetRequiredService<ErrorResponses>()
                    .WriteAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests, $"too many requests; try again in {retryAfter} s", cancellationToken);
            };
        });
    }

    public static IApplicationBuilder UseCacheRateLimiting(this IApplicationBuilder app) =>
        app.ApplicationServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.PermitsPerSecond > 0 ? app.UseRateLimiter() : app;

    private static string PartitionKey(HttpContext context)
    {
        var caller = Caller.IsAuthenticated(context.User)
            ? "token:" + (context.User.FindFirst("jti")?.Value ?? Caller.ActorOf(context.User))
            : "address:" + context.Connection.RemoteIpAddress;
        return $"{caller} {context.Features.Get<RequestScope>()?.Namespace}";
    }
}
