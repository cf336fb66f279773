using CacheRegistry.Server.Audit;
using CacheRegistry.Common.Api;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Protocols;

/// <summary>The operator API for tokens and the audit log (<c>/api/v1/tokens</c>, <c>/api/v1/audit</c>); needs <c>*:admin</c>.</summary>
public static class TokenApi
{
    public static void MapTokenApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/v1/tokens", CreateAsync).WithMetadata(ReadOnlyRequest.Instance); // audited explicitly, with the token's id
        routes.MapGet("/api/v1/tokens", async (HttpContext context, NamespaceAuthorizer access, TokenIssuer issuer, IOptions<AuthOptions> auth) =>
        {
            Authorize(context, access, auth);
            return Results.Ok(await issuer.ListAsync(context.RequestAborted));
        });
        routes.MapDelete("/api/v1/tokens/{id}", RevokeAsync).WithMetadata(ReadOnlyRequest.Instance); // audited explicitly
        routes.MapGet("/api/v1/audit", ReadAuditAsync);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, NamespaceAuthorizer access, TokenIssuer issuer, AuditLog audit, IOptions<AuthOptions> auth, TimeProvider clock)
    {
        Authorize(context, access, auth);
        var request = await JsonBody.ReadAsync<CreateTokenRequest>(context);
        if (request is null || string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 128) throw CacheRequestException.BadRequest("a token needs a name of 1-128 characters");
        if (!Lifetime.TryParse(request.Lifetime, out var lifetime)) throw CacheRequestException.BadRequest("lifetime must look like 30d, 12h, 90m or 3600s");
        var scopes = new List<NamespaceScope>();
        foreach (var text in request.Scopes ?? [])
        {
            scopes.Add(NamespaceScope.TryParse(text, out var scope) ? scope : throw CacheRequestException.BadRequest($"invalid scope '{text}': expected pattern:read|write|delete|admin"));
        }

        var actor = NamespaceAuthorizer.ActorOf(context);
        var created = await issuer.IssueAsync(request.Name, scopes, lifetime, actor, context.RequestAborted);
        audit.Record(Event(clock, actor, "token.create", $"{created.Info.Id} {created.Info.Name}: {string.Join(' ', created.Info.Scopes)}", 201));
        return Results.Created($"/api/v1/tokens/{created.Info.Id}", created);
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string id, NamespaceAuthorizer access, TokenIssuer issuer, AuditLog audit, IOptions<AuthOptions> auth, TimeProvider clock)
    {
        Authorize(context, access, auth);
        if (id.Length > 64 || !id.All(char.IsAsciiHexDigit)) throw CacheRequestException.BadRequest("invalid token id");
        if (!await issuer.RevokeAsync(id, context.RequestAborted)) return Results.NotFound();
        audit.Record(Event(clock, NamespaceAuthorizer.ActorOf(context), "token.revoke", id, 204));
        return Results.NoContent();
    }

    private static async Task<IResult> ReadAuditAsync(HttpContext context, NamespaceAuthorizer access, AuditCatalog catalog, int? limit,
        string? @namespace, string? actor, string? action, DateTimeOffset? since, DateTimeOffset? until)
    {
        access.AuthorizeOperator(context);
        return Results.Ok(await catalog.QueryAsync(new AuditQuery(Math.Clamp(limit ?? 100, 1, 10_000), @namespace, actor, action, since, until), context.RequestAborted));
    }

    private static void Authorize(HttpContext context, NamespaceAuthorizer access, IOptions<AuthOptions> auth)
    {
        if (!auth.Value.Enabled) throw new CacheRequestException(StatusCodes.Status404NotFound, "tokens are not used: auth is not enabled on this server");
        access.AuthorizeOperator(context);
    }

    private static AuditEvent Event(TimeProvider clock, string actor, string action, string target, int status) =>
        new(clock.GetUtcNow(), actor, action, Namespace: null, target, status);
}
