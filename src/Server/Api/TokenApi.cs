using CacheRegistry.Common.Api;
using CacheRegistry.Server.Audit;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Http.Authorization;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Api;

/// <summary>The operator API for tokens and the audit log (<c>/api/v1/tokens</c>, <c>/api/v1/audit</c>); needs <c>*:admin</c>.</summary>
public static class TokenApi
{
    public static void MapTokenApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(ApiRoutes.Tokens, CreateAsync).WithMetadata(ReadOnlyRequest.Instance).RequireOperator(); // audited explicitly, with the token's id
        routes.MapGet(ApiRoutes.Tokens, async (HttpContext context, TokenIssuer issuer, IOptions<AuthOptions> auth) =>
        {
            RequireAuthEnabled(auth);
            return Results.Ok(await issuer.ListAsync(context.RequestAborted));
        }).RequireOperator();
        routes.MapDelete(ApiRoutes.Token, RevokeAsync).WithMetadata(ReadOnlyRequest.Instance).RequireOperator(); // audited explicitly
        routes.MapGet(ApiRoutes.Audit, async (HttpContext context, AuditCatalog catalog, int? limit, string? @namespace, string? actor, string? action,
            DateTimeOffset? since, DateTimeOffset? until) =>
            Results.Ok(await catalog.QueryAsync(new AuditQuery(Math.Clamp(limit ?? 100, 1, 10_000), @namespace, actor, action, since, until), context.RequestAborted)))
            .RequireOperator();
    }

    private static async Task<IResult> CreateAsync(HttpContext context, TokenIssuer issuer, AuditLog audit, IOptions<AuthOptions> auth, TimeProvider clock)
    {
        RequireAuthEnabled(auth);
        var request = await JsonBody.ReadAsync<CreateTokenRequest>(context);
        if (request is null || string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 128) throw CacheRequestException.BadRequest("a token needs a name of 1-128 characters");
        if (!Lifetime.TryParse(request.Lifetime, out var lifetime)) throw CacheRequestException.BadRequest("lifetime must look like 30d, 12h, 90m or 3600s");
        var scopes = new List<NamespaceScope>();
        foreach (var text in request.Scopes ?? [])
        {
            scopes.Add(NamespaceScope.TryParse(text, out var scope) ? scope : throw CacheRequestException.BadRequest($"invalid scope '{text}': expected pattern:read|write|delete|admin"));
        }

        var actor = Caller.ActorOf(context.User);
        var created = await issuer.IssueAsync(request.Name, scopes, lifetime, actor, context.RequestAborted);
        audit.Record(new AuditEvent(clock.GetUtcNow(), actor, "token.create", null, $"{created.Info.Id} {created.Info.Name}: {string.Join(' ', created.Info.Scopes)}", 201));
        return Results.Created($"/api/v1/tokens/{created.Info.Id}", created);
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string id, TokenIssuer issuer, AuditLog audit, IOptions<AuthOptions> auth, TimeProvider clock)
    {
        RequireAuthEnabled(auth);
        if (id.Length > 64 || !id.All(char.IsAsciiHexDigit)) throw CacheRequestException.BadRequest("invalid token id");
        if (!await issuer.RevokeAsync(id, context.RequestAborted)) return Results.NotFound();
        audit.Record(new AuditEvent(clock.GetUtcNow(), Caller.ActorOf(context.User), "token.revoke", null, id, 204));
        return Results.NoContent();
    }

    private static void RequireAuthEnabled(IOptions<AuthOptions> auth)
    {
        if (!auth.Value.Enabled) throw CacheRequestException.NotFound("tokens are not used: auth is not enabled on this server");
    }
}
