using CacheRegistry.Server.Protocols;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace CacheRegistry.Server;

public static class CacheRegistryEndpointRouteBuilderExtensions
{
    public static void MapCacheRegistry(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        routes.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });

        routes.MapGet("/metrics", (HttpContext context, Auth.NamespaceAuthorizer access, Observability.PrometheusExporter exporter) =>
        {
            access.AuthorizeOperator(context);
            return Results.Text(exporter.Render(), "text/plain; version=0.0.4; charset=utf-8");
        });
        routes.MapApiV1AdminRoutes();
        routes.MapOperatorApi();
        routes.MapTokenApi();
        // Turborepo names its namespace (team) in the query string, so it has no prefixed form.
        routes.MapTurborepoRemoteCache();
        foreach (var group in new[] { routes.MapGroup(""), routes.MapGroup("/{ns}") })
        {
            group.MapBazelHttpCache();
            group.MapCcacheHttpStorage();
            group.MapNxRemoteCache();
            group.MapGradleBuildCache();
            group.MapApiV1NamespaceRoutes();
            group.MapArtifactApi();
            group.MapOperatorNamespaceRoutes();
        }
    }
}
