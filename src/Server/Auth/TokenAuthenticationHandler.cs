using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Auth;

/// <summary>
/// Authenticates the server-wide token from <c>Authorization: Bearer T</c> or
/// <c>Authorization: Basic base64(user:T)</c>.
/// </summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<AuthOptions> auth) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "CacheToken";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var expected = auth.Value.Token;
        if (string.IsNullOrEmpty(expected)) return Task.FromResult(AuthenticateResult.NoResult());
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)) return Task.FromResult(AuthenticateResult.NoResult());

        var presented = header.Scheme.ToLowerInvariant() switch
        {
            "bearer" => header.Parameter,
            "basic" => PasswordOf(header.Parameter),
            _ => null,
        };
        if (presented is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected)))
        {
            return Task.FromResult(AuthenticateResult.Fail("the token is not valid"));
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "token")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    private static string? PasswordOf(string? basicParameter)
    {
        if (basicParameter is null) return null;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(basicParameter));
            var colon = decoded.IndexOf(':');
            return colon < 0 ? null : decoded[(colon + 1)..];
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
