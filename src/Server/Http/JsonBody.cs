using System.Text.Json;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using Microsoft.AspNetCore.Http.Features;

namespace CacheRegistry.Server.Http;

public static class JsonBody
{
    private const long MaxJsonBodyBytes = 16 * 1024 * 1024;

    /// <summary>Reads a JSON request body of bounded size; malformed JSON is a 400.</summary>
    public static async Task<T?> ReadAsync<T>(HttpContext context)
    {
        if (context.Request.ContentLength > MaxJsonBodyBytes) throw CacheRequestException.TooLarge(MaxJsonBodyBytes);
        // Kestrel enforces this for chunked bodies too: a JSON document is read into memory whole.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxJsonBodyBytes;
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(context.Request.Body, JsonSerializerOptions.Web, context.RequestAborted);
        }
        catch (JsonException e)
        {
            throw CacheRequestException.BadRequest($"invalid JSON: {e.Message}");
        }
    }
}
