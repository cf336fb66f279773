using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Server.Http;

namespace CacheRegistry.Server.Audit;

/// <summary>Records every successful write and delete (PUT, DELETE, and POSTs that are not queries), whatever the protocol: who, what, when.</summary>
public sealed class AuditMiddleware(RequestDelegate next, AuditLog audit, TimeProvider clock)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        var method = context.Request.Method;
        if (!(HttpMethods.IsPut(method) || HttpMethods.IsDelete(method) || HttpMethods.IsPost(method)) || context.Response.StatusCode >= 400) return;
        if (context.GetEndpoint()?.Metadata.GetMetadata<ReadOnlyRequest>() is not null) return;
        // gRPC calls are audited by the gRPC door, which knows how each ended (a refused call is still HTTP 200).
        if (context.GetEndpoint()?.Metadata.GetMetadata<ProtocolTag>()?.Name == Grpc.ReapiGrpcExtensions.Protocol) return;

        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value;
        // The namespace the request was authorized for, not a second reading of the route.
        var ns = context.Features.Get<RequestScope>()?.Namespace?.Value;
        audit.Record(new AuditEvent(clock.GetUtcNow(), Caller.ActorOf(context.User), $"{method} {route}", ns,
            Truncate(context.Request.Path.Value, 512), context.Response.StatusCode));
    }

    private static string? Truncate(string? text, int length) => text is null || text.Length <= length ? text : text[..length];
}
