using CacheRegistry.Server.Auth;
using Microsoft.AspNetCore.Authorization;

namespace CacheRegistry.Server.Http.Authorization;

/// <summary>Meets the cache's requirements with <see cref="NamespaceAccess"/>, remembering why a refusal happened for the answer.</summary>
public sealed class AccessHandler(NamespaceAccess access) : IAuthorizationHandler
{
    private const string ReasonItem = "CacheRegistry.AccessRefusal";

    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        if (context.Resource is not HttpContext http) return Task.CompletedTask;
        foreach (var requirement in context.PendingRequirements.ToList())
        {
            var decision = requirement switch
            {
                NamespaceRequirement needs => access.Decide(context.User, Caller.FailureOf(http), RequestScope.Of(http).RequiredNamespace, needs.Permission),
                OperatorRequirement => access.DecideOperator(context.User, Caller.FailureOf(http)),
                SignedInRequirement => access.DecideSignedIn(context.User, Caller.FailureOf(http)),
                // No endpoint at all: routing answers 404. An endpoint that declares nothing is refused.
                UndeclaredRequirement => http.GetEndpoint() is null ? AccessDecision.Allowed : new AccessDecision(AccessOutcome.Forbidden, "this endpoint does not declare who may call it"),
                _ => null,
            };
            if (decision is null) continue;
            if (decision.Outcome == AccessOutcome.Allowed)
            {
                context.Succeed(requirement);
                continue;
            }
            http.Items[ReasonItem] = decision;
            context.Fail(new AuthorizationFailureReason(this, decision.Reason!));
        }
        return Task.CompletedTask;
    }

    /// <summary>Why the request was refused, as the handler decided.</summary>
    public static AccessDecision? RefusalOf(HttpContext context) => context.Items[ReasonItem] as AccessDecision;
}
