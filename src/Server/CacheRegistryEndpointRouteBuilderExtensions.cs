using CacheRegistry.Server.Protocols;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace CacheRegistry.Server;

public static class CacheRegistryEndpointRouteBuilderExtensions
{
    public static void MapCacheRegistry(this IEndpointRouteBuilder routes)
    {
        var operations = Tagged(routes, "operations");
        operations.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        operations.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        operations.MapGet("/metrics", (HttpContext context, Auth.NamespaceAuthorizer access, Observability.PrometheusExporter exporter) =>
        {
            access.AuthorizeOperator(context);
            return Results.Text(exporter.Render(), "text/plain; version=0.0.4; charset=utf-8");
        });

        var api = Tagged(routes, "api");
        api.MapApiV1AdminRoutes();
        api.MapOperatorApi();
        api.MapTokenApi();
        // Turborepo names its namespace (team) in the query string, so it has no prefixed form.
        Tagged(routes, "turborepo").MapTurborepoRemoteCache();
        foreach (var group in new[] { routes.MapGroup(""), routes.MapGroup("/{ns}") })
        {
            Tagged(group, "bazel").MapBazelHttpCache();
            Tagged(group, "ccache").MapCcacheHttpStorage();
            Tagged(group, "nx").MapNxRemoteCache();
            Tagged(group, "gradle").MapGradleBuildCache();
            Tagged(group, "api").MapApiV1NamespaceRoutes();
            Tagged(group, "artifacts").MapArtifactApi();
            Tagged(group, "api").MapOperatorNamespaceRoutes();
        }
    }

    // The protocol label every endpoint of the group reports its request metrics under.
    private static RouteGroupBuilder Tagged(IEndpointRouteBuilder routes, string protocol) =>
        routes.MapGroup("").WithMetadata(new ProtocolTag(protocol));
}
