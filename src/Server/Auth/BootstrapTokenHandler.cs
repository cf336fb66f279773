using CacheRegistry.Server.Configuration;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Auth;

/// <summary>Accepts the configured bootstrap secret as an admin token for every namespace.</summary>
public sealed class BootstrapTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<AuthOptions> auth) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string Actor = "bootstrap";

    public static bool IsBootstrapToken(string? presented, AuthOptions auth) =>
        presented is not null && !string.IsNullOrEmpty(auth.BootstrapToken)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(auth.BootstrapToken));

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!IsBootstrapToken(Credentials.TokenOf(Request), auth.Value)) return Task.FromResult(AuthenticateResult.NoResult());
        var identity = new ClaimsIdentity([new Claim("name", Actor), new Claim(NamespaceScope.ClaimType, "*:admin")], Scheme.Name, "name", null);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }
}
