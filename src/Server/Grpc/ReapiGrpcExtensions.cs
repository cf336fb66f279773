using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Grpc.Access;
using CacheRegistry.Server.Grpc.ActionResults;
using CacheRegistry.Server.Grpc.ByteStream;
using CacheRegistry.Server.Grpc.Errors;
using CacheRegistry.Server.Grpc.Hosting;
using CacheRegistry.Server.Grpc.Services;
using CacheRegistry.Server.Http;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Grpc;

/// <summary>
/// The Remote Execution API's cache services (REAPI v2: Capabilities, ActionCache,
/// ContentAddressableStorage, google.bytestream.ByteStream; Execution answers UNIMPLEMENTED) over gRPC,
/// on the same core as the HTTP doors.
/// </summary>
public static class ReapiGrpcExtensions
{
    public const string Protocol = "reapi";

    public static IServiceCollection AddReapiGrpc(this IServiceCollection services)
    {
        // No catch-all endpoints for unknown services and methods (they would declare no access): routing
        // answers 404, which gRPC clients read as UNIMPLEMENTED (e.g. the Remote Asset API, not served here).
        services.AddGrpc(grpc => grpc.IgnoreUnknownServices = true);
        // gRPC logs every non-OK status (each cache miss); the error interceptor logs what is worth it.
        services.AddLogging(logging => logging.AddFilter("Grpc.AspNetCore.Server", LogLevel.Warning));
        // Per service: the message limits follow the batch limit, which the options bind only once the host is built.
        services.AddSingleton<IConfigureOptions<GrpcServiceOptions>, MessageLimits>();
        services.AddSingleton<ReapiErrorInterceptor>();
        services.AddSingleton<ReapiAccessInterceptor>();
        services.AddSingleton<ReapiCallLog>();
        services.AddSingleton<IAuthorizationHandler, ReapiAccessPolicy.Handler>();
        services.Configure<AuthorizationOptions>(ReapiAccessPolicy.Add);

        services.AddSingleton<GrpcEndpoint>();
        services.AddTransient<IStartupFilter>(provider => provider.GetRequiredService<GrpcEndpoint>());
        services.AddHostedService<GrpcStartupLog>();

        services.AddSingleton<CasMessageReader>();
        services.AddSingleton<DirectoryTree>();
        services.AddSingleton<ActionResultBlobs>();
        services.AddSingleton<HttpActionResultUpload>();
        services.AddSingleton<InlineOutputs>();
        services.AddSingleton<ResumableWrites>();
        return services;
    }

    /// <summary>Maps the services; each method declares its access (<see cref="ReapiAccessAttribute"/>) and reports as protocol "reapi".</summary>
    public static void MapReapiGrpc(this IEndpointRouteBuilder routes)
    {
        routes.MapGrpcService<CapabilitiesService>().InScope(Protocol, NamespaceSource.None);
        routes.MapGrpcService<ActionCacheService>().InScope(Protocol, NamespaceSource.None);
        routes.MapGrpcService<ContentAddressableStorageService>().InScope(Protocol, NamespaceSource.None);
        routes.MapGrpcService<ByteStreamService>().InScope(Protocol, NamespaceSource.None);
        routes.MapGrpcService<ExecutionService>().InScope(Protocol, NamespaceSource.None);
    }

    private sealed class MessageLimits(IOptions<GrpcOptions> options) : IConfigureOptions<GrpcServiceOptions>
    {
        public void Configure(GrpcServiceOptions grpc)
        {
            grpc.MaxReceiveMessageSize = options.Value.MaxMessageBytes;
            grpc.MaxSendMessageSize = options.Value.MaxMessageBytes;
            // Outermost first: errors see what the access check refuses.
            grpc.Interceptors.Add<ReapiErrorInterceptor>();
            grpc.Interceptors.Add<ReapiAccessInterceptor>();
        }
    }
}
