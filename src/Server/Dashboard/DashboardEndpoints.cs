using CacheRegistry.Server.Dashboard.Pages;
using CacheRegistry.Server.Dashboard.SignIn;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Http.Authorization;

namespace CacheRegistry.Server.Dashboard;

public static class DashboardEndpoints
{
    /// <summary>The dashboard's protocol tag (its requests' metrics and logs say "dashboard").</summary>
    public const string Protocol = "dashboard";

    /// <summary>
    /// Maps the dashboard's pages. Each declares who may see it like every other endpoint: the overview and
    /// the artifact index any valid credentials (they show only what the caller may read), a namespace's
    /// pages read access to it, tokens and the audit log operators, sign-in and the static files anyone.
    /// Every POST requires the antiforgery token.
    /// </summary>
    public static void MapDashboard(this IEndpointRouteBuilder routes)
    {
        var dashboard = routes.MapGroup("").WithMetadata(DashboardEndpoint.Instance);
        var site = dashboard.MapGroup("").InScope(Protocol, NamespaceSource.None);
        site.MapGet("/dashboard/assets/{file}", Assets.Serve).AllowAnonymous();
        site.MapGet("/dashboard/signin", SignInPage.Show).AllowAnonymous();
        site.MapPost("/dashboard/signin", SignInPage.SignInAsync).AllowAnonymous().WithMetadata(ReadOnlyRequest.Instance).AddEndpointFilter<AntiforgeryCheck>();
        site.MapPost("/dashboard/signout", SignInPage.SignOut).AllowAnonymous().WithMetadata(ReadOnlyRequest.Instance).AddEndpointFilter<AntiforgeryCheck>();
        site.MapGet("/", OverviewPage.ShowAsync).RequireSignedIn();
        site.MapGet("/artifacts", ArtifactPages.NamespacesAsync).RequireSignedIn();
        site.MapGet("/dashboard/tokens", TokenPages.ListAsync).RequireOperator();
        site.MapGet("/dashboard/tokens/{id}/revoke", TokenPages.ConfirmAsync).RequireOperator();
        // Audited explicitly, as the API's revocation is, with the token's id.
        site.MapPost("/dashboard/tokens/{id}/revoke", TokenPages.RevokeAsync).RequireOperator().WithMetadata(ReadOnlyRequest.Instance).AddEndpointFilter<AntiforgeryCheck>();
        site.MapGet("/dashboard/audit", AuditPage.ShowAsync).RequireOperator();

        var inNamespace = dashboard.MapGroup("").InScope(Protocol, NamespaceSource.RoutePrefix);
        inNamespace.MapGet("/dashboard/namespaces/{ns}", NamespacePage.ShowAsync).RequireRead();
        inNamespace.MapGet("/artifacts/{ns}", ArtifactPages.NamesAsync).RequireRead();
        inNamespace.MapGet("/artifacts/{ns}/{name}", ArtifactPages.VersionsAsync).RequireRead();
        inNamespace.MapGet("/artifacts/{ns}/{name}/{version}", ArtifactPages.VersionAsync).RequireRead();
    }
}
