using CacheRegistry.Server.Audit;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Grpc.Access;
using CacheRegistry.Server.Http;
using Grpc.Core;

namespace CacheRegistry.Server.Grpc.Errors;

/// <summary>
/// Records what a REAPI call came to, which the HTTP middleware cannot tell (a failed gRPC call is still
/// HTTP 200): refusals and failures count as errors (kind <c>grpc_{code}</c>, protocol <c>reapi</c>),
/// and successful writes go to the audit log like every other protocol's.
/// </summary>
public sealed class ReapiCallLog(AuditLog audit, CacheMetrics metrics, TimeProvider clock)
{
    private const string TargetItem = "CacheRegistry.Reapi.AuditTarget";

    /// <summary>Names what a write method wrote, for its audit record (the request path otherwise).</summary>
    public static void SetAuditTarget(ServerCallContext context, string target) => context.GetHttpContext().Items[TargetItem] = target;

    public void Succeeded(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        if (http.GetEndpoint()?.Metadata.GetMetadata<ReapiAccessAttribute>()?.Permission != CachePermission.Write) return;
        var target = http.Items[TargetItem] as string ?? http.Request.Path.Value;
        audit.Record(new AuditEvent(clock.GetUtcNow(), Caller.ActorOf(http.User), $"POST {http.Request.Path}", http.Features.Get<RequestScope>()?.Namespace?.Value,
            target is { Length: > 512 } ? target[..512] : target, StatusCodes.Status200OK));
    }

    public void Failed(ServerCallContext context, StatusCode code) =>
        metrics.Errors.Add(1, "reapi", $"grpc_{code}");
}
