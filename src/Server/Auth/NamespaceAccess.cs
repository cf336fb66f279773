using System.Security.Claims;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Namespaces;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Auth;

/// <summary>What an access check decided, with the reason a refused caller is told.</summary>
public sealed record AccessDecision(AccessOutcome Outcome, string? Reason = null)
{
    public static readonly AccessDecision Allowed = new(AccessOutcome.Allowed);
}

public enum AccessOutcome { Allowed, Unauthenticated, Forbidden }

/// <summary>
/// The rule every door applies, in one place: without valid credentials a caller is unauthenticated
/// (unless the namespace is open for anonymous reads); a token whose scopes do not cover the namespace
/// and permission is forbidden. A refused caller never learns whether anything exists in a namespace it
/// may not read. With auth off, everything is allowed.
/// </summary>
public sealed class NamespaceAccess(IOptions<AuthOptions> options)
{
    public bool AuthEnabled => options.Value.Enabled;

    /// <param name="rejectedToken">Why a presented token was rejected (a rejected token never falls back to anonymous access).</param>
    public AccessDecision Decide(ClaimsPrincipal user, Exception? rejectedToken, NamespaceName ns, CachePermission permission)
    {
        if (!options.Value.Enabled) return AccessDecision.Allowed;
        if (!Caller.IsAuthenticated(user))
        {
            if (rejectedToken is null && permission == CachePermission.Read && options.Value.AnonymousRead.Any(p => NamespaceScope.Matches(p, ns.Value)))
            {
                return AccessDecision.Allowed;
            }
            return Unauthenticated(rejectedToken);
        }
        return Caller.ScopesOf(user).Any(s => s.Grants(ns, permission))
            ? AccessDecision.Allowed
            : new AccessDecision(AccessOutcome.Forbidden, $"the token does not grant {permission.ToString().ToLowerInvariant()} on namespace '{ns}'");
    }

    /// <summary>Pages that show each caller what its scopes reach (the dashboard): any valid credentials.</summary>
    public AccessDecision DecideSignedIn(ClaimsPrincipal user, Exception? rejectedToken)
    {
        if (!options.Value.Enabled || Caller.IsAuthenticated(user)) return AccessDecision.Allowed;
        return Unauthenticated(rejectedToken);
    }

    /// <summary>Operator routes across namespaces: admin on every namespace ("*:admin").</summary>
    public AccessDecision DecideOperator(ClaimsPrincipal user, Exception? rejectedToken)
    {
        if (!options.Value.Enabled) return AccessDecision.Allowed;
        if (!Caller.IsAuthenticated(user)) return Unauthenticated(rejectedToken);
        return Caller.ScopesOf(user).Any(s => s.GrantsEverywhere(CachePermission.Admin))
            ? AccessDecision.Allowed
            : new AccessDecision(AccessOutcome.Forbidden, "this needs an admin token for every namespace (*:admin)");
    }

    private static AccessDecision Unauthenticated(Exception? rejectedToken) =>
        new(AccessOutcome.Unauthenticated, rejectedToken is null ? "a token is required" : $"the token was rejected: {Describe(rejectedToken)}");

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
