using CacheRegistry.Common.Api;
using CacheRegistry.Server.Api;
using CacheRegistry.Server.Grpc;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Http.Authorization;
using CacheRegistry.Server.Protocols.Bazel;
using CacheRegistry.Server.Protocols.Ccache;
using CacheRegistry.Server.Protocols.Gradle;
using CacheRegistry.Server.Protocols.Nx;
using CacheRegistry.Server.Protocols.Turborepo;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry;

namespace CacheRegistry.Server;

public static class CacheRegistryEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps every route. Each group names its protocol and where its namespace comes from; each endpoint
    /// declares who may call it (an endpoint that declares nothing is denied).
    /// </summary>
    public static void MapCacheRegistry(this IEndpointRouteBuilder routes)
    {
        var operations = routes.MapGroup("").InScope("operations", NamespaceSource.None);
        operations.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        operations.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }).AllowAnonymous();
        operations.MapPrometheusScrapingEndpoint("/metrics").RequireOperator();

        var admin = routes.MapGroup("").InScope("api", NamespaceSource.None);
        admin.MapBlobInfoApi();
        admin.MapAdminApi();
        admin.MapTokenApi();
        // Turborepo names its namespace (team) in the query string, so it has no prefixed form.
        routes.MapGroup("").InScope("turborepo", NamespaceSource.TurborepoTeam).MapTurborepoRemoteCache();
        foreach (var prefix in new[] { "", ApiRoutes.NamespacePrefix })
        {
            var group = routes.MapGroup(prefix);
            group.MapGroup("").InScope("bazel", NamespaceSource.RoutePrefix).MapBazelHttpCache();
            group.MapGroup("").InScope("ccache", NamespaceSource.RoutePrefix).MapCcacheHttpStorage();
            group.MapGroup("").InScope("nx", NamespaceSource.RoutePrefix).MapNxRemoteCache();
            group.MapGroup("").InScope("gradle", NamespaceSource.RoutePrefix).MapGradleBuildCache();
            group.MapGroup("").InScope("api", NamespaceSource.RoutePrefix).MapCasApi();
            group.MapGroup("").InScope("artifacts", NamespaceSource.RoutePrefix).MapArtifactApi();
        }
        routes.MapReapiGrpc();
    }
}
