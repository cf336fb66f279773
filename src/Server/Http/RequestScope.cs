using System.Reflection;
using CacheRegistry.Server.Core.Namespaces;

namespace CacheRegistry.Server.Http;

/// <summary>Endpoint metadata: where an endpoint's namespace comes from.</summary>
public enum NamespaceSource
{
    /// <summary>The optional <c>/{ns}/</c> route prefix; the default namespace without one.</summary>
    RoutePrefix,

    /// <summary>Turborepo's team: <c>?slug=</c>, else <c>?teamId=</c>; the default namespace without either.</summary>
    TurborepoTeam,

    /// <summary>The endpoint acts across namespaces (operator routes) or on none (health).</summary>
    None,
}

/// <summary>
/// What a request acts on, worked out once, before authorization, from the matched endpoint: its
/// namespace and its protocol. The handler (as a parameter), authorization, rate limiting, the audit
/// log and metrics all read this one value.
/// </summary>
public sealed record RequestScope(NamespaceName? Namespace, string Protocol)
{
    /// <summary>The namespace of an endpoint that has one (every endpoint declaring namespace access does).</summary>
    public NamespaceName RequiredNamespace => Namespace ?? throw new InvalidOperationException("this endpoint declares no namespace");

    public static RequestScope Of(HttpContext context) =>
        context.Features.Get<RequestScope>() ?? throw new InvalidOperationException("the request scope is resolved by RequestScopeMiddleware");

    /// <summary>Lets handlers take the scope as a parameter.</summary>
    public static ValueTask<RequestScope?> BindAsync(HttpContext context, ParameterInfo parameter) => ValueTask.FromResult<RequestScope?>(Of(context));

    /// <summary>Resolves the scope of the matched endpoint; a malformed namespace is a 400.</summary>
    public static RequestScope Resolve(HttpContext context)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        var protocol = metadata?.GetMetadata<ProtocolTag>()?.Name ?? "other";
        NamespaceName? ns = (metadata?.GetMetadata<NamespaceSourceMetadata>()?.Source ?? NamespaceSource.None) switch
        {
            NamespaceSource.RoutePrefix => RouteValues.NamespaceOrDefault(context.GetRouteValue("ns") as string),
            NamespaceSource.TurborepoTeam => RouteValues.NamespaceOrDefault(TurborepoTeam(context.Request.Query)),
            _ => null,
        };
        return new RequestScope(ns, protocol);
    }

    private static string? TurborepoTeam(IQueryCollection query) =>
        query["slug"].FirstOrDefault() is { Length: > 0 } slug ? slug : query["teamId"].FirstOrDefault();
}

/// <summary>Endpoint metadata carrying the <see cref="NamespaceSource"/>.</summary>
public sealed record NamespaceSourceMetadata(NamespaceSource Source);

/// <summary>Resolves the <see cref="RequestScope"/> once per request, after routing and before authorization.</summary>
public sealed class RequestScopeMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Features.Set(RequestScope.Resolve(context));
        return next(context);
    }
}

public static class RequestScopeConventions
{
    /// <summary>The endpoints' namespace comes from <paramref name="source"/>, and they report under <paramref name="protocol"/>.</summary>
    public static TBuilder InScope<TBuilder>(this TBuilder builder, string protocol, NamespaceSource source) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProtocolTag(protocol), new NamespaceSourceMetadata(source));
}
