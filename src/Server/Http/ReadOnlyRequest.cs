namespace CacheRegistry.Server.Http;

/// <summary>Endpoint metadata: a POST that changes nothing (a query), so the audit log skips it.</summary>
public sealed class ReadOnlyRequest
{
    public static readonly ReadOnlyRequest Instance = new();

    private ReadOnlyRequest() { }
}
