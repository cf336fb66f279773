using CacheRegistry.Server.Protocols;
using System.Security.Claims;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Auth;

/// <summary>
/// The one place every route asks whether the caller may act on a namespace: 401 without valid
/// credentials, 403 when the token's scopes do not cover the namespace and permission. A refused
/// request never learns whether anything exists in a namespace it may not read.
/// </summary>
public sealed class NamespaceAuthorizer(IOptions<AuthOptions> options)
{
    private const string ScopesItem = "CacheRegistry.Scopes";
    private const string FailureItem = "CacheRegistry.AuthenticationFailure";

    /// <summary>Remembers why the presented token was rejected, to say so in the 401.</summary>
    public static void RecordFailure(HttpContext context, Exception failure) => context.Items[FailureItem] = failure;

    public void Authorize(HttpContext context, NamespaceName ns, CachePermission permission)
    {
        if (!options.Value.Enabled) return;
        if (!IsAuthenticated(context))
        {
            // A rejected token is an error even where anonymous reads are allowed: never a silent downgrade.
            var presentedBadToken = context.Items.ContainsKey(FailureItem);
            if (!presentedBadToken && permission == CachePermission.Read && options.Value.AnonymousRead.Any(p => NamespaceScope.Matches(p, ns.Value))) return;
            throw Unauthenticated(context);
        }
        if (!ScopesOf(context).Any(s => s.Grants(ns, permission)))
        {
            throw new CacheRequestException(StatusCodes.Status403Forbidden,
                $"the token does not grant {permission.ToString().ToLowerInvariant()} on namespace '{ns}'");
        }
    }

    /// <summary>Operator routes across namespaces: admin on every namespace ("*:admin").</summary>
    public void AuthorizeOperator(HttpContext context)
    {
        if (!options.Value.Enabled) return;
        if (!IsAuthenticated(context)) throw Unauthenticated(context);
        if (!ScopesOf(context).Any(s => s.GrantsEverywhere(CachePermission.Admin)))
        {
            throw new CacheRequestException(StatusCodes.Status403Forbidden, "this needs an admin token for every namespace (*:admin)");
        }
    }

    /// <summary>Who made the request, for the audit log.</summary>
    public static string ActorOf(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true
            ? context.User.FindFirstValue("name") ?? context.User.FindFirstValue("sub") ?? context.User.FindFirstValue("jti") ?? "token"
            : "anonymous";

    private static bool IsAuthenticated(HttpContext context) => context.User.Identity?.IsAuthenticated == true;

    private static IReadOnlyList<NamespaceScope> ScopesOf(HttpContext context)
    {
        if (context.Items[ScopesItem] is IReadOnlyList<NamespaceScope> cached) return cached;
        var scopes = NamespaceScope.ParseList(context.User.FindAll(NamespaceScope.ClaimType).Select(c => c.Value));
        context.Items[ScopesItem] = scopes;
        return scopes;
    }

    private static CacheRequestException Unauthenticated(HttpContext context)
    {
        var failure = context.Items[FailureItem] as Exception;
        return new CacheRequestException(StatusCodes.Status401Unauthorized,
            failure is null ? "a token is required" : $"the token was rejected: {Describe(failure)}");
    }

    // Says what is wrong with a token without echoing it.
    private static string Describe(Exception failure) => failure switch
    {
        Microsoft.IdentityModel.Tokens.SecurityTokenExpiredException => "expired",
        Microsoft.IdentityModel.Tokens.SecurityTokenInvalidAudienceException => "wrong audience",
        Microsoft.IdentityModel.Tokens.SecurityTokenInvalidIssuerException => "wrong issuer",
        Microsoft.IdentityModel.Tokens.SecurityTokenSignatureKeyNotFoundException or
            Microsoft.IdentityModel.Tokens.SecurityTokenInvalidSignatureException => "invalid signature",
        Microsoft.IdentityModel.Tokens.SecurityTokenInvalidAlgorithmException => "algorithm not allowed",
        TokenRevokedException => "revoked",
        _ => "malformed or not valid",
    };
}

public sealed class TokenRevokedException() : Exception("the token has been revoked");
