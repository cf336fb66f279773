using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Http;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CacheRegistry.Server.Grpc.Access;

/// <summary>
/// Enforces each REAPI method's declared access (<see cref="ReapiAccessAttribute"/>) once its request
/// names the namespace: before the method runs for unary and server-streaming calls, and when the
/// method reads the first message of a client stream (ByteStream.Write), so a method never acts on an
/// unauthorized request. The rule is <see cref="NamespaceAccess.Decide"/>, the same as HTTP's: no or
/// a bad token is UNAUTHENTICATED, a token that does not reach the namespace PERMISSION_DENIED. The
/// namespace becomes the request's <see cref="RequestScope"/>, for metrics, rate limits and the audit log.
/// </summary>
public sealed class ReapiAccessInterceptor(NamespaceAccess access) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(request, context);
        return await continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(request, context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new AuthorizingReader<TRequest>(requestStream, request => Authorize(request, context)), context);

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new AuthorizingReader<TRequest>(requestStream, request => Authorize(request, context)), responseStream, context);

    private void Authorize(object? request, ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var declared = http.GetEndpoint()?.Metadata.GetMetadata<ReapiAccessAttribute>()
            ?? throw new RpcException(new Status(StatusCode.PermissionDenied, "this method does not declare who may call it"));
        if (request is not IScopedRequest scoped) throw new InvalidOperationException($"{request?.GetType().Name} does not name a namespace");
        var ns = scoped.Namespace;
        http.Features.Set(new RequestScope(ns, RequestScope.Of(http).Protocol));
        var decision = access.Decide(http.User, Caller.FailureOf(http), ns, declared.Permission);
        switch (decision.Outcome)
        {
            case AccessOutcome.Allowed:
                return;
            case AccessOutcome.Unauthenticated:
                throw new RpcException(new Status(StatusCode.Unauthenticated, decision.Reason ?? "a token is required"));
            default:
                throw new RpcException(new Status(StatusCode.PermissionDenied, decision.Reason ?? "not allowed"));
        }
    }

    /// <summary>Checks the first message of a client stream before the method sees it.</summary>
    private sealed class AuthorizingReader<T>(IAsyncStreamReader<T> inner, Action<T> authorize) : IAsyncStreamReader<T>
    {
        private bool _authorized;

        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            var moved = await inner.MoveNext(cancellationToken);
            if (_authorized) return moved;
            if (!moved) throw DomainException.Invalid("the call sent no request message");
            authorize(inner.Current);
            _authorized = true;
            return true;
        }
    }
}
