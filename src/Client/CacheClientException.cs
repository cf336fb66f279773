using System.Net;

namespace CacheRegistry.Client;

/// <summary>The server refused a request, or answered in a way the client cannot use.</summary>
public class CacheClientException(string message, HttpStatusCode? statusCode = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The server's answer, when there was one.</summary>
    public HttpStatusCode? StatusCode { get; } = statusCode;
}

/// <summary>Downloaded content does not have the digest it was asked for.</summary>
public sealed class BlobIntegrityException(string expected, string actual)
    : CacheClientException($"downloaded content has digest {actual}, expected {expected}");
