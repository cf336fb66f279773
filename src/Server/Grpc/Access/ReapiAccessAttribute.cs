using CacheRegistry.Server.Auth;
using Microsoft.AspNetCore.Authorization;

namespace CacheRegistry.Server.Grpc.Access;

/// <summary>
/// Declares what a REAPI method needs on the namespace its request names (<c>instance_name</c>, or the
/// instance part of a ByteStream resource name). The namespace is inside the request message, which the
/// authorization middleware cannot see, so the declaration is an authorization policy the middleware
/// lets through (<see cref="ReapiAccessPolicy"/>) and <see cref="ReapiAccessInterceptor"/> enforces
/// with the rule every door uses, <see cref="NamespaceAccess"/>, as soon as the message is read.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ReapiAccessAttribute(CachePermission permission) : Attribute, IAuthorizeData
{
    public CachePermission Permission { get; } = permission;

    public string? Policy { get; set; } = ReapiAccessPolicy.Name;

    public string? Roles { get; set; }

    public string? AuthenticationSchemes { get; set; }
}
