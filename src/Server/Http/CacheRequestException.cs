namespace CacheRegistry.Server.Http;

/// <summary>A request the HTTP edge refuses before it reaches the core; carries the 4xx status the client gets.</summary>
public class CacheRequestException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public static CacheRequestException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    public static CacheRequestException NotFound(string message) => new(StatusCodes.Status404NotFound, message);

    public static CacheRequestException TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, $"the content exceeds the limit of {limit} bytes");
}
