namespace CacheRegistry.Server.Grpc.Hosting;

/// <summary>Names the gRPC endpoint in the start-up log, once the server listens (so a port configured as 0 shows as bound).</summary>
public sealed class GrpcStartupLog(IHostApplicationLifetime lifetime, GrpcEndpoint endpoint, ILogger<GrpcStartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            if (endpoint.Address is { } address) logger.LogInformation("REAPI gRPC serving on {Address} (grpc://, plaintext HTTP/2); HTTPS endpoints serve it too (grpcs://)", address);
            else logger.LogInformation("REAPI gRPC serving on the HTTPS endpoints only (grpcs://); plaintext gRPC is off ({Setting} is empty)", $"{Configuration.GrpcOptions.Section}:Url");
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
