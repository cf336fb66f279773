using System.Security.Claims;
using CacheRegistry.Server.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace CacheRegistry.Server.Http.Authorization;

/// <summary>
/// Decides the cache's policies (every requirement a <see cref="CacheRequirement"/>) directly, remembering
/// why a refusal happened for the answer (<see cref="AccessResultHandler"/>). Any other policy (REAPI's)
/// goes through ASP.NET Core's authorization handlers. The cache's policies guard nearly every request,
/// and the handler pipeline (a context, handler lists, transient services) cost a twentieth of a cache
/// miss's CPU. A policy mixing the two kinds is refused: no cache requirement has a handler.
/// </summary>
public sealed class CachePolicyEvaluator(IAuthorizationService authorization, NamespaceAccess access) : IPolicyEvaluator
{
    private const string RefusalItem = "CacheRegistry.AccessRefusal";
    private static readonly ClaimsPrincipal Anonymous = new(new ClaimsIdentity());
    private static readonly Task<PolicyAuthorizationResult> Allowed = Task.FromResult(PolicyAuthorizationResult.Success());
    private static readonly Task<AuthenticateResult> NotAuthenticated = Task.FromResult(AuthenticateResult.NoResult());

    private readonly PolicyEvaluator _handlers = new(authorization);

    public Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context)
    {
        if (!IsCachePolicy(policy)) return _handlers.AuthenticateAsync(policy, context);
        var user = UserOf(context);
        return Caller.IsAuthenticated(user) ? Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(user, "context.User"))) : NotAuthenticated;
    }

    public Task<PolicyAuthorizationResult> AuthorizeAsync(AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource)
    {
        if (!IsCachePolicy(policy)) return _handlers.AuthorizeAsync(policy, authenticationResult, context, resource);
        var user = UserOf(context);
        var rejectedToken = Caller.FailureOf(context);
        foreach (var requirement in policy.Requirements)
        {
            var decision = ((CacheRequirement)requirement).Decide(access, context, user, rejectedToken);
            if (decision.Outcome == AccessOutcome.Allowed) continue;
            context.Items[RefusalItem] = decision;
            return Task.FromResult(decision.Outcome == AccessOutcome.Unauthenticated ? PolicyAuthorizationResult.Challenge() : PolicyAuthorizationResult.Forbid());
        }
        return Allowed;
    }

    /// <summary>Why the request was refused, as decided.</summary>
    public static AccessDecision? RefusalOf(HttpContext context) => context.Items[RefusalItem] as AccessDecision;

    private static bool IsCachePolicy(AuthorizationPolicy policy)
    {
        if (policy.AuthenticationSchemes.Count > 0 || policy.Requirements.Count == 0) return false;
        foreach (var requirement in policy.Requirements)
        {
            if (requirement is not CacheRequirement) return false;
        }
        return true;
    }

    // HttpContext.User would build an empty principal for every anonymous request.
    private static ClaimsPrincipal UserOf(HttpContext context) => context.Features.Get<IHttpAuthenticationFeature>()?.User ?? Anonymous;
}
