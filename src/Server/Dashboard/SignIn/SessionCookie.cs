using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CacheRegistry.Server.Dashboard.SignIn;

/// <summary>
/// The dashboard's sign-in: the token pasted once, encrypted and authenticated by Data Protection, in an
/// HttpOnly, SameSite=Strict cookie (Secure over HTTPS). It is never shown, logged or put in a URL; the
/// server checks the token it holds on every request exactly as it checks a bearer token.
/// </summary>
public sealed class SessionCookie(IDataProtectionProvider protection, TimeProvider clock)
{
    public const string Name = "cacheregistry_session";

    /// <summary>The longest a sign-in lasts (shorter when the token expires sooner).</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("CacheRegistry.Dashboard.Session.v1").ToTimeLimitedDataProtector();

    public void SignIn(HttpContext context, string token)
    {
        var expires = clock.GetUtcNow() + MaxLifetime;
        if (ExpiryOf(token) is { } tokenExpiry && tokenExpiry < expires) expires = tokenExpiry;
        context.Response.Cookies.Append(Name, _protector.Protect(token, expires), Options(context, expires));
    }

    public void SignOut(HttpContext context) => context.Response.Cookies.Delete(Name, Options(context, expires: null));

    /// <summary>The token the request's cookie holds; null when there is none, or it is expired or was not made by this server.</summary>
    public string? TokenOf(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(Name, out var value) || string.IsNullOrEmpty(value)) return null;
        try
        {
            return _protector.Unprotect(value, out _);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    public static bool IsPresent(HttpContext context) => context.Request.Cookies.ContainsKey(Name);

    private static CookieOptions Options(HttpContext context, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };

    private static DateTimeOffset? ExpiryOf(string token)
    {
        var handler = new JsonWebTokenHandler();
        if (!handler.CanReadToken(token)) return null;
        try
        {
            var validTo = handler.ReadJsonWebToken(token).ValidTo;
            return validTo == DateTime.MinValue ? null : new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc));
        }
        catch (ArgumentException)
        {
            return null; // not a JWT after all (the bootstrap secret, or garbage): the next page says whether it is accepted
        }
    }
}
