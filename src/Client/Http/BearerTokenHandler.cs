using System.Net.Http.Headers;

namespace CacheRegistry.Client.Http;

/// <summary>Sends the configured token as <c>Authorization: Bearer</c> on every request.</summary>
internal sealed class BearerTokenHandler(string token) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return base.SendAsync(request, cancellationToken);
    }
}
