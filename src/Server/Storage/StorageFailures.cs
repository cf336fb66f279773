using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;

namespace CacheRegistry.Server.Storage;

/// <summary>Recognises an object store that cannot be reached (as opposed to a request it refused).</summary>
public static class StorageFailures
{
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AmazonServiceException service when (int)service.StatusCode >= 500 || service.StatusCode == HttpStatusCode.TooManyRequests:
                case HttpRequestException:
                case SocketException:
                    return true;
                case AmazonServiceException:
                    return false;
                case AmazonClientException when e.InnerException is null:
                    return true;
            }
        }
        return false;
    }
}
