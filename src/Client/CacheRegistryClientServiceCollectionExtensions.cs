using CacheRegistry.Client.Http;
using Microsoft.Extensions.DependencyInjection;
using Refit;

namespace CacheRegistry.Client;

/// <summary>Registers <see cref="CacheClient"/> with dependency injection.</summary>
public static class CacheRegistryClientServiceCollectionExtensions
{
    /// <summary>The name of the HttpClient the client's requests go through (to add handlers of your own).</summary>
    public const string HttpClientName = "CacheRegistry.Client";

    /// <summary>
    /// Registers <see cref="CacheClient"/> (transient) for one server: its HTTP connections come from
    /// IHttpClientFactory, with the options' TLS trust, bearer token and retries.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="options">The server, namespace, token and transfer settings.</param>
    /// <returns>The builder of the underlying named HttpClient, to configure it further.</returns>
    public static IHttpClientBuilder AddCacheRegistryClient(this IServiceCollection services, CacheClientOptions options)
    {
        var http = services
            .AddRefitGeneratedClient<ICacheRegistryApi>(_ => RefitSettingsFor(), HttpClientName)
            .ConfigureHttpClient(client =>
            {
                client.BaseAddress = BaseAddressOf(options);
                client.Timeout = Timeout.InfiniteTimeSpan; // blobs can be large; a slow transfer is not a failure
            })
            .ConfigurePrimaryHttpMessageHandler(() => TlsTrust.CreateHandler(options.CaBundlePath));
        if (options.MaxRetries > 0) http.AddHttpMessageHandler(() => new RetryHandler(RetryPolicy.For(options)));
        if (options.Token is { Length: > 0 } token) http.AddHttpMessageHandler(() => new BearerTokenHandler(token));

        services.AddTransient(provider => new CacheClient(CreateHttpClient(provider), new Lazy<ICacheRegistryApi>(provider.GetRequiredService<ICacheRegistryApi>), options));
        return http;
    }

    internal static HttpClient CreateHttpClient(IServiceProvider provider) =>
        provider.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName);

    /// <summary>The same handlers as <see cref="AddCacheRegistryClient"/> gives its HttpClient (TLS trust, retries, token), without a service provider.</summary>
    internal static HttpClient CreateStandaloneHttpClient(CacheClientOptions options)
    {
        HttpMessageHandler handler = TlsTrust.CreateHandler(options.CaBundlePath);
        if (options.Token is { Length: > 0 } token) handler = new BearerTokenHandler(token) { InnerHandler = handler };
        if (options.MaxRetries > 0) handler = new RetryHandler(RetryPolicy.For(options)) { InnerHandler = handler };
        var client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan }; // blobs can be large; a slow transfer is not a failure
        client.BaseAddress = BaseAddressOf(options);
        return client;
    }

    private static Uri BaseAddressOf(CacheClientOptions options) =>
        options.Server.AbsoluteUri.EndsWith('/') ? options.Server : new Uri(options.Server.AbsoluteUri + "/");

    internal static RefitSettings RefitSettingsFor()
    {
        var settings = RefitSettings.ForJsonContext(CacheApiJsonContext.Default);
        settings.ExceptionFactory = ServerErrors.ToExceptionAsync;
        settings.DeserializationExceptionFactory = ServerErrors.UnreadableAnswerAsync;
        // Unwrapped, as from HttpClient: callers tell "cannot reach the server" by HttpRequestException.
        settings.TransportExceptionFactory = (_, exception, _) => exception;
        return settings;
    }
}
