using CacheRegistry.Server.Configuration;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CacheRegistry.Server.Auth;

public static class AuthServiceCollectionExtensions
{
    private const string SelectorScheme = "CacheRegistry";
    private const string LocalScheme = "CacheRegistryJwt";
    private const string OidcScheme = "Oidc";
    private const string BootstrapScheme = "Bootstrap";

    /// <summary>
    /// Authentication for the three kinds of credentials: the bootstrap secret, the server's own JWTs
    /// and (when configured) an external OIDC issuer's JWTs. A token goes to the scheme of its issuer.
    /// </summary>
    public static IServiceCollection AddCacheAuth(this IServiceCollection services, AuthOptions auth)
    {
        services.AddSingleton<NamespaceAccess>();
        services.AddSingleton<RevocationList>();
        services.AddSingleton<TokenIssuer>();
        services.AddHostedService<RevocationRefreshService>();

        var authentication = services.AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, null, o => o.ForwardDefaultSelector = context => SchemeFor(context, auth))
            .AddScheme<AuthenticationSchemeOptions, BootstrapTokenHandler>(BootstrapScheme, null);
        if (!auth.Enabled) return services;

        var signingKey = TokenIssuer.SigningKeyOf(auth);
        authentication.AddJwtBearer(LocalScheme, o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = auth.Issuer,
                ValidAudience = auth.Audience,
                IssuerSigningKey = signingKey,
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                RequireExpirationTime = true,
                ClockSkew = auth.ClockSkew,
                NameClaimType = "name",
            };
            o.Events = Events(requireTokenId: true, mapScopes: null);
        });
        if (auth.Oidc.IsConfigured)
        {
            authentication.AddJwtBearer(OidcScheme, o =>
            {
                o.MapInboundClaims = false;
                o.Authority = auth.Oidc.Authority;
                o.Audience = auth.Oidc.Audience;
                o.RequireHttpsMetadata = auth.Oidc.RequireHttpsMetadata;
                o.TokenValidationParameters.ValidAlgorithms =
                    [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384];
                o.TokenValidationParameters.ValidateAudience = !string.IsNullOrEmpty(auth.Oidc.Audience);
                o.TokenValidationParameters.ClockSkew = auth.ClockSkew;
                o.TokenValidationParameters.NameClaimType = "sub";
                o.Events = Events(requireTokenId: false, mapScopes: identity => ApplyRules(identity, auth.Oidc.Rules));
            });
        }
        return services;
    }

    /// <summary>
    /// Authentication, for requests that present credentials: every scheme reads the Authorization
    /// header, and without one each answers "no result" after being built for the request (a tenth of
    /// an anonymous miss's CPU). The caller is then anonymous either way.
    /// </summary>
    public static IApplicationBuilder UseCacheAuthentication(this IApplicationBuilder app)
    {
        app.UseWhen(context => context.Request.Headers.Authorization.Count > 0, credentials => credentials.UseAuthentication());
        // UseAuthentication marks only the branch's builder; unmarked, WebApplication would add authentication
        // for every request at the start of the pipeline (AuthAppBuilderExtensions' key).
        app.Properties[AuthenticationMiddlewareSetKey] = true;
        return app;
    }

    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    private static string SchemeFor(HttpContext context, AuthOptions auth)
    {
        var token = Credentials.TokenOf(context.Request);
        if (BootstrapTokenHandler.IsBootstrapToken(token, auth) || !auth.Enabled) return BootstrapScheme;
        if (auth.Oidc.IsConfigured && token is not null && IssuerOf(token) is { } issuer && issuer != auth.Issuer) return OidcScheme;
        return LocalScheme;
    }

    private static string? IssuerOf(string token)
    {
        var handler = new JsonWebTokenHandler();
        return handler.CanReadToken(token) ? handler.ReadJsonWebToken(token).Issuer : null;
    }

    private static JwtBearerEvents Events(bool requireTokenId, Action<ClaimsIdentity>? mapScopes) => new()
    {
        // Tools that only speak HTTP Basic send the token as the password.
        OnMessageReceived = context =>
        {
            context.Token = Credentials.TokenOf(context.Request);
            return Task.CompletedTask;
        },
        // The authentication middleware keeps only successful results; the authorizer needs the reason for a 401.
        OnAuthenticationFailed = context =>
        {
            Caller.RecordFailure(context.HttpContext, context.Exception);
            return Task.CompletedTask;
        },
        OnTokenValidated = context =>
        {
            var tokenId = context.Principal?.FindFirstValue("jti");
            if ((requireTokenId && tokenId is null) || context.HttpContext.RequestServices.GetRequiredService<RevocationList>().IsRevoked(tokenId))
            {
                var revoked = new TokenRevokedException();
                Caller.RecordFailure(context.HttpContext, revoked);
                context.Fail(revoked);
                return Task.CompletedTask;
            }
            if (mapScopes is not null && context.Principal?.Identity is ClaimsIdentity identity) mapScopes(identity);
            return Task.CompletedTask;
        },
    };

    // An external issuer's own "scope" claims mean nothing here; only the configured rules grant scopes.
    private static void ApplyRules(ClaimsIdentity identity, IEnumerable<OidcScopeRule> rules)
    {
        foreach (var claim in identity.FindAll(NamespaceScope.ClaimType).ToList()) identity.RemoveClaim(claim);
        foreach (var rule in rules.Where(r => r.Claims.Count > 0 && r.Claims.All(c => identity.HasClaim(c.Key, c.Value))))
        {
            foreach (var scope in rule.Scopes) identity.AddClaim(new Claim(NamespaceScope.ClaimType, scope));
        }
    }
}
