using CacheRegistry.Server.Hosting;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CacheRegistry.Server.Grpc.Errors;

/// <summary>
/// The one place a REAPI call's failure gets its gRPC status (<see cref="ReapiErrors"/>), for all four
/// kinds of call; and where its outcome is recorded (<see cref="ReapiCallLog"/>). A client mistake is
/// never INTERNAL; a bug is logged with its stack and answered INTERNAL without details.
/// </summary>
public sealed class ReapiErrorInterceptor(OutageMonitor outages, ReapiCallLog calls, ILogger<ReapiErrorInterceptor> logger) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(context, async () =>
        {
            await continuation(request, responseStream, context);
            return true;
        });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(context, async () =>
        {
            await continuation(requestStream, responseStream, context);
            return true;
        });

    private async Task<T> RunAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        try
        {
            var result = await call();
            calls.Succeeded(context);
            return result;
        }
        catch (Exception e)
        {
            var status = Classify(e, context);
            calls.Failed(context, status.StatusCode);
            if (ReferenceEquals(status, e)) throw;
            throw status;
        }
    }

    private RpcException Classify(Exception exception, ServerCallContext context)
    {
        if (context.CancellationToken.IsCancellationRequested && exception is OperationCanceledException or IOException)
        {
            return new RpcException(new Status(StatusCode.Cancelled, "the client went away"));
        }
        if (ReapiErrors.ToRpcException(exception, outages) is { } refused)
        {
            if (refused.StatusCode is not (StatusCode.Unavailable or StatusCode.NotFound))
            {
                logger.LogInformation("{Method} refused with {Code}: {Detail}", context.Method, refused.StatusCode, refused.Status.Detail);
            }
            return refused;
        }
        logger.LogError(exception, "{Method} failed", context.Method);
        return new RpcException(new Status(StatusCode.Internal, "internal error"));
    }
}
