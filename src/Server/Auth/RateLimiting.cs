using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Auth;

/// <summary>A token bucket per token (per client address for anonymous requests), when configured.</summary>
public static class RateLimiting
{
    public static IServiceCollection AddCacheRateLimiting(this IServiceCollection services, RateLimitOptions options)
    {
        if (options.PermitsPerSecond <= 0) return services;
        return services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                if (context.Request.Path.StartsWithSegments("/healthz") || context.Request.Path.StartsWithSegments("/readyz"))
                {
                    return RateLimitPartition.GetNoLimiter("health");
                }
                return RateLimitPartition.GetTokenBucketLimiter(PartitionKey(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(options.Burst, 1),
                    TokensPerPeriod = options.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                });
            });
        });
    }

    public static IApplicationBuilder UseCacheRateLimiting(this IApplicationBuilder app) =>
        app.ApplicationServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.PermitsPerSecond > 0 ? app.UseRateLimiter() : app;

    private static string PartitionKey(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true
            ? "token:" + (context.User.FindFirst("jti")?.Value ?? NamespaceAuthorizer.ActorOf(context))
            : "address:" + context.Connection.RemoteIpAddress;
}
