using CacheRegistry.Server.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace CacheRegistry.Server.Http.Authorization;

/// <summary>
/// Answers a refused request the cache's way: 401 (with the reason the token was rejected, and the
/// schemes to use) when the caller is not authenticated, 403 when the token does not reach that far;
/// a problem body, or plain text for protocols that want it.
/// </summary>
public sealed class AccessResultHandler(ErrorResponses errors) : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Succeeded)
        {
            await next(context);
            return;
        }
        var refusal = CachePolicyEvaluator.RefusalOf(context) ?? new AccessDecision(AccessOutcome.Forbidden, "not allowed");
        var status = refusal.Outcome == AccessOutcome.Unauthenticated ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
        await errors.WriteAsync(context, status, refusal.Reason ?? "not allowed", context.RequestAborted);
    }
}
