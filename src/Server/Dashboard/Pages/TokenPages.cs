using CacheRegistry.Common.Api;
using CacheRegistry.Server.Audit;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Dashboard.Html;
using CacheRegistry.Server.Http;

namespace CacheRegistry.Server.Dashboard.Pages;

/// <summary>Operators: the tokens this server issued (never the tokens themselves) and revoking one, after a confirmation.</summary>
public static class TokenPages
{
    public static async Task<IResult> ListAsync(HttpContext context, string? revoked, TokenIssuer issuer, NamespaceAccess access, TimeProvider clock)
    {
        var tokens = access.AuthEnabled ? await issuer.ListAsync(context.RequestAborted) : [];
        var now = clock.GetUtcNow();
        return Layout.Page(context, "Tokens", "tokens", h =>
        {
            h.Element("h1", "Tokens");
            if (!access.AuthEnabled)
            {
                h.Element("p", "Auth is off on this server, so it issues no tokens.", ("class", "notice"));
                return;
            }
            if (tokens.FirstOrDefault(t => t.Id == revoked) is { } done) h.Element("p", $"Revoked {done.Name} ({done.Id}): every replica refuses it within seconds.", ("class", "notice"), ("id", "revoked-notice"));
            h.Element("p", "Tokens issued with cache token create. The tokens themselves are never stored; the bootstrap token and OIDC tokens are not listed.", ("class", "muted"));
            using var wrap = h.Block("div", ("class", "table-wrap"));
            using var table = h.Block("table", ("id", "tokens"));
            using (h.Block("tr"))
            {
                h.Element("th", "id").Element("th", "subject").Element("th", "scopes").Element("th", "created").Element("th", "expires").Element("th", "state").Element("th", "");
            }
            foreach (var token in tokens.OrderByDescending(t => t.CreatedAt))
            {
                var state = StateOf(token, now);
                using (h.Block("tr", ("data-token-id", token.Id)))
                {
                    h.Open("td").Element("code", token.Id).Close("td").Element("td", token.Name).Element("td", string.Join(" ", token.Scopes));
                    h.Element("td", $"{Format.Time(token.CreatedAt)} by {token.CreatedBy}").Element("td", Format.Time(token.ExpiresAt));
                    h.Element("td", state, ("class", state == "active" ? null : "muted"));
                    using (h.Block("td"))
                    {
                        if (state == "active") h.Element("a", "Revoke…", ("href", $"/dashboard/tokens/{token.Id}/revoke"), ("id", $"revoke-{token.Id}"));
                    }
                }
            }
        });
    }

    public static async Task<IResult> ConfirmAsync(HttpContext context, string id, TokenIssuer issuer, NamespaceAccess access)
    {
        var token = await FindAsync(id, issuer, access, context.RequestAborted);
        return Layout.Page(context, "Revoke a token", "tokens", h =>
        {
            h.Element("h1", "Revoke this token?");
            using (h.Block("dl", ("class", "facts")))
            {
                h.Element("dt", "id").Open("dd").Element("code", token.Id).Close("dd");
                h.Element("dt", "subject").Element("dd", token.Name);
                h.Element("dt", "scopes").Element("dd", string.Join(" ", token.Scopes));
                h.Element("dt", "expires").Element("dd", Format.Time(token.ExpiresAt));
            }
            h.Element("p", "Every request with it is refused from then on (on every replica within the revocation refresh interval). This cannot be undone.", ("class", "notice"));
            using (h.Block("form", ("method", "post"), ("action", $"/dashboard/tokens/{token.Id}/revoke"), ("id", "revoke-form")))
            {
                Forms.Antiforgery(h, context);
                h.Element("button", "Revoke", ("type", "submit"), ("class", "danger"), ("id", "confirm-revoke"));
                h.Text(" ");
                h.Element("a", "Cancel", ("href", "/dashboard/tokens"));
            }
        });
    }

    public static async Task<IResult> RevokeAsync(HttpContext context, string id, TokenIssuer issuer, NamespaceAccess access, AuditLog audit, TimeProvider clock)
    {
        var token = await FindAsync(id, issuer, access, context.RequestAborted);
        if (await issuer.RevokeAsync(token.Id, context.RequestAborted))
        {
            audit.Record(new AuditEvent(clock.GetUtcNow(), Caller.ActorOf(context.User), "token.revoke", null, token.Id, StatusCodes.Status204NoContent));
        }
        return Results.Redirect($"/dashboard/tokens?revoked={token.Id}");
    }

    private static async Task<TokenInfo> FindAsync(string id, TokenIssuer issuer, NamespaceAccess access, CancellationToken cancellationToken)
    {
        if (!access.AuthEnabled) throw CacheRequestException.NotFound("auth is off on this server, so it issues no tokens");
        if (id.Length > 64 || !id.All(char.IsAsciiHexDigit)) throw CacheRequestException.BadRequest("invalid token id");
        return (await issuer.ListAsync(cancellationToken)).FirstOrDefault(t => t.Id == id) ?? throw CacheRequestException.NotFound($"no token has the id {id}");
    }

    private static string StateOf(TokenInfo token, DateTimeOffset now) =>
        token.RevokedAt is { } revoked ? $"revoked {Format.Time(revoked)}" : token.ExpiresAt <= now ? "expired" : "active";
}
