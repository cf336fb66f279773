using Microsoft.AspNetCore.Authorization;

namespace CacheRegistry.Server.Grpc.Access;

/// <summary>
/// The authorization policy of REAPI methods: met in the middleware when the method declares its access
/// with <see cref="ReapiAccessAttribute"/>, because <see cref="ReapiAccessInterceptor"/> checks that
/// declaration once the request message names the namespace. A gRPC endpoint without the attribute still
/// falls to the fallback policy and is denied.
/// </summary>
public static class ReapiAccessPolicy
{
    public const string Name = "reapi:namespace-in-message";

    public static void Add(AuthorizationOptions options) => options.AddPolicy(Name, policy => policy.AddRequirements(new Requirement()));

    public sealed record Requirement : IAuthorizationRequirement;

    /// <summary>Meets the requirement for endpoints whose method declares its access (the interceptor enforces it).</summary>
    public sealed class Handler : AuthorizationHandler<Requirement>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, Requirement requirement)
        {
            if (context.Resource is HttpContext http && http.GetEndpoint()?.Metadata.GetMetadata<ReapiAccessAttribute>() is not null)
            {
                context.Succeed(requirement);
            }
            return Task.CompletedTask;
        }
    }
}
