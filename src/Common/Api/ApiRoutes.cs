namespace CacheRegistry.Common.Api;

/// <summary>
/// The route templates of the server's own API, shared by the server (which maps them) and the client
/// (which calls them), so the two cannot drift apart. Templates marked "per namespace" are served with
/// and without the <see cref="NamespacePrefix"/>; the parameter names are the same on both sides.
/// </summary>
public static class ApiRoutes
{
    /// <summary>The optional namespace prefix of per-namespace routes.</summary>
    public const string NamespacePrefix = "/{ns}";

    // ---- per namespace --------------------------------------------------------------------------

    public const string FindMissing = "/api/v1/cas/find-missing";
    public const string CasBlob = "/api/v1/cas/{digest}";
    public const string Entry = "/api/v1/entries/{protocol}/{**key}";

    public const string Artifacts = "/api/v1/artifacts";
    public const string ArtifactVersions = "/api/v1/artifacts/{name}/versions";
    public const string ArtifactVersion = "/api/v1/artifacts/{name}/versions/{version}";
    public const string ArtifactYank = "/api/v1/artifacts/{name}/versions/{version}/yank";
    public const string ArtifactResolve = "/api/v1/artifacts/{name}/resolve";
    public const string ArtifactTag = "/api/v1/artifacts/{name}/tags/{tag}";

    public const string Uploads = "/api/v1/uploads";
    public const string Upload = "/api/v1/uploads/{id}";
    public const string UploadPart = "/api/v1/uploads/{id}/parts/{number}";
    public const string UploadComplete = "/api/v1/uploads/{id}/complete";

    // ---- across namespaces (operators) ----------------------------------------------------------

    public const string Blob = "/api/v1/blobs/{digest}";
    public const string Tokens = "/api/v1/tokens";
    public const string Token = "/api/v1/tokens/{id}";
    public const string Audit = "/api/v1/audit";
    public const string AdminStats = "/api/v1/admin/stats";
    public const string AdminGc = "/api/v1/admin/gc";
    public const string AdminNamespace = "/api/v1/admin/namespaces/{name}";
}
