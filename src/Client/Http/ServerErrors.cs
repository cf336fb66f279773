using System.Net.Http.Json;

namespace CacheRegistry.Client.Http;

/// <summary>Turns a refused request into a <see cref="CacheClientException"/> with one line: status and the problem's detail.</summary>
internal static class ServerErrors
{
    public static async ValueTask<Exception?> ToExceptionAsync(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode) return null;
        return new CacheClientException(await DescribeAsync(response, CancellationToken.None), response.StatusCode);
    }

    public static ValueTask<Exception?> UnreadableAnswerAsync(HttpResponseMessage response, Exception error) =>
        ValueTask.FromResult<Exception?>(new CacheClientException(
            $"the server's answer to {response.RequestMessage?.RequestUri?.AbsolutePath} cannot be read: {error.Message}", response.StatusCode, error));

    public static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        throw new CacheClientException(await DescribeAsync(response, cancellationToken), response.StatusCode);
    }

    private static async Task<string> DescribeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        try
        {
            var problem = await response.Content.ReadFromJsonAsync(CacheApiJsonContext.Default.ProblemBody, cancellationToken);
            return problem?.Detail is { Length: > 0 } detail ? $"{status}: {detail}" : status;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException)
        {
            return status; // not a problem body
        }
    }
}
