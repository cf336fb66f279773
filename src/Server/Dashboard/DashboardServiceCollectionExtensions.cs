using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Dashboard.History;
using CacheRegistry.Server.Dashboard.SignIn;
using CacheRegistry.Server.Metadata;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Dashboard;

public static class DashboardServiceCollectionExtensions
{
    /// <summary>
    /// The dashboard: its counters' history (recorded in memory, written per minute by each replica),
    /// sign-in by session cookie, antiforgery, and HTML error pages for its endpoints. Call after AddCacheRegistry.
    /// </summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ReplicaName>();
        services.AddSingleton<CounterRecorder>();
        services.AddSingleton<CounterHistory>();
        services.AddHostedService<HistoryFlushService>();
        services.AddHostedService<HistoryMaintenanceService>(); // (hosted services start the recorder collecting, through CounterHistory)

        services.AddSingleton<SessionCookie>();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "cacheregistry_csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = Html.Forms.AntiforgeryField;
            o.HeaderName = null;
        });
        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new();
        var protection = services.AddDataProtection().SetApplicationName("CacheRegistry");
        if (auth.Enabled)
        {
            // Shared by the replicas through the database, encrypted under the signing key they share.
            services.AddOptions<KeyManagementOptions>().Configure<ProtectionKeyCatalog, TimeProvider>((o, keys, clock) =>
            {
                o.XmlRepository = new DatabaseKeyRing(keys, clock);
                o.XmlEncryptor = new SigningKeyXmlEncryptor(auth);
            });
        }
        else
        {
            protection.UseEphemeralDataProtectionProvider(); // nothing to keep: with auth off there is no sign-in
        }
        // Before the default writer, which would answer dashboard pages with JSON.
        services.Insert(0, ServiceDescriptor.Singleton<IProblemDetailsWriter, ErrorPages>());
        return services;
    }

    /// <summary>Presents the session cookie's token as the bearer token on dashboard endpoints; goes before authentication.</summary>
    public static IApplicationBuilder UseDashboardSessions(this IApplicationBuilder app) => app.UseMiddleware<SessionMiddleware>();
}
