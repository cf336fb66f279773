namespace CacheRegistry.Server.Http;

/// <summary>Endpoint metadata: which wire protocol an endpoint belongs to (the label of its request metrics).</summary>
public sealed record ProtocolTag(string Name);
