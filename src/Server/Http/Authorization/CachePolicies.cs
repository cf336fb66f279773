using System.Security.Claims;
using CacheRegistry.Server.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CacheRegistry.Server.Http.Authorization;

/// <summary>
/// The authorization every endpoint declares, as policies: a permission on the request's namespace,
/// operator access across namespaces, or (for pages that filter by the caller's scopes) any valid credentials. An endpoint that declares nothing is denied (the fallback policy);
/// health probes declare anonymous access explicitly.
/// </summary>
public static class CachePolicies
{
    public const string Read = "namespace:read";
    public const string Write = "namespace:write";
    public const string Delete = "namespace:delete";
    public const string Operator = "operator";
    public const string SignedIn = "signed-in";

    public static IServiceCollection AddCacheAuthorization(this IServiceCollection services)
    {
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AccessResultHandler>();
        services.AddAuthorization();
        // Replaces ASP.NET Core's (transient, resolved for every request).
        services.Replace(ServiceDescriptor.Singleton<IPolicyEvaluator, CachePolicyEvaluator>());
        return services.Configure<AuthorizationOptions>(options =>
        {
            options.AddPolicy(Read, Policy(new NamespaceRequirement(CachePermission.Read)));
            options.AddPolicy(Write, Policy(new NamespaceRequirement(CachePermission.Write)));
            options.AddPolicy(Delete, Policy(new NamespaceRequirement(CachePermission.Delete)));
            options.AddPolicy(Operator, Policy(new OperatorRequirement()));
            options.AddPolicy(SignedIn, Policy(new SignedInRequirement()));
            options.FallbackPolicy = Policy(new UndeclaredRequirement());
        });
    }

    private static AuthorizationPolicy Policy(IAuthorizationRequirement requirement) => new AuthorizationPolicyBuilder().AddRequirements(requirement).Build();

    /// <summary>Reading the request's namespace.</summary>
    public static TBuilder RequireRead<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(Read);

    /// <summary>Writing in the request's namespace (includes reading).</summary>
    public static TBuilder RequireWrite<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(Write);

    /// <summary>Deleting in the request's namespace (includes reading).</summary>
    public static TBuilder RequireDelete<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(Delete);

    /// <summary>Admin on every namespace (<c>*:admin</c>).</summary>
    public static TBuilder RequireOperator<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(Operator);

    /// <summary>Any valid credentials (the endpoint shows each caller only what its scopes reach).</summary>
    public static TBuilder RequireSignedIn<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(SignedIn);
}

/// <summary>A requirement of the cache's own policies, decided by <see cref="CachePolicyEvaluator"/> with the rule every door uses.</summary>
public abstract record CacheRequirement : IAuthorizationRequirement
{
    /// <param name="rejectedToken">Why a presented token was rejected, if one was.</param>
    public abstract AccessDecision Decide(NamespaceAccess access, HttpContext http, ClaimsPrincipal user, Exception? rejectedToken);
}

/// <summary>A permission on the request's namespace.</summary>
public sealed record NamespaceRequirement(CachePermission Permission) : CacheRequirement
{
    public override AccessDecision Decide(NamespaceAccess access, HttpContext http, ClaimsPrincipal user, Exception? rejectedToken) =>
        access.Decide(user, rejectedToken, RequestScope.Of(http).RequiredNamespace, Permission);
}

/// <summary>Admin on every namespace.</summary>
public sealed record OperatorRequirement : CacheRequirement
{
    public override AccessDecision Decide(NamespaceAccess access, HttpContext http, ClaimsPrincipal user, Exception? rejectedToken) =>
        access.DecideOperator(user, rejectedToken);
}

/// <summary>Any valid credentials.</summary>
public sealed record SignedInRequirement : CacheRequirement
{
    public override AccessDecision Decide(NamespaceAccess access, HttpContext http, ClaimsPrincipal user, Exception? rejectedToken) =>
        access.DecideSignedIn(user, rejectedToken);
}

/// <summary>The fallback for an endpoint that declares no authorization: never met. (No endpoint at all: routing answers 404.)</summary>
public sealed record UndeclaredRequirement : CacheRequirement
{
    private static readonly AccessDecision Undeclared = new(AccessOutcome.Forbidden, "this endpoint does not declare who may call it");

    public override AccessDecision Decide(NamespaceAccess access, HttpContext http, ClaimsPrincipal user, Exception? rejectedToken) =>
        http.GetEndpoint() is null ? AccessDecision.Allowed : Undeclared;
}
