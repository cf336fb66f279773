using CacheRegistry.Server.Protocols;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace CacheRegistry.Server;

public static class CacheRegistryEndpointRouteBuilderExtensions
{
    public static void MapCacheRegistry(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        routes.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });

        routes.MapApiV1AdminRoutes();
        foreach (var group in new[] { routes.MapGroup(""), routes.MapGroup("/{ns}") })
        {
            group.MapHttpCache();
            group.MapApiV1NamespaceRoutes();
        }
    }
}
