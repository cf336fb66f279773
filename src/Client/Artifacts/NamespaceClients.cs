namespace CacheRegistry.Client.Artifacts;

/// <summary>
/// One <see cref="CacheClient"/> per namespace, made on first use by a factory and disposed with this
/// object: a project's dependencies may live in several namespaces.
/// </summary>
public sealed class NamespaceClients : IDisposable
{
    private readonly Func<string, CacheClient> _create;
    private readonly Dictionary<string, CacheClient> _clients = new(StringComparer.Ordinal);

    /// <summary>Clients made from <paramref name="options"/>, each with its own namespace.</summary>
    public NamespaceClients(CacheClientOptions options) : this(ns => new CacheClient(options with { Namespace = ns }), options.Namespace)
    {
    }

    /// <summary>Clients made by <paramref name="create"/> (which this object then owns and disposes).</summary>
    /// <param name="create">Makes a client for a namespace.</param>
    /// <param name="defaultNamespace">The namespace of names that do not say theirs; null: the server's default.</param>
    public NamespaceClients(Func<string, CacheClient> create, string? defaultNamespace)
    {
        _create = create;
        DefaultNamespace = string.IsNullOrEmpty(defaultNamespace) ? "default" : defaultNamespace;
    }

    /// <summary>The namespace of artifacts named without one.</summary>
    public string DefaultNamespace { get; }

    /// <summary>The client for a namespace (null: <see cref="DefaultNamespace"/>).</summary>
    public CacheClient For(string? ns)
    {
        ns ??= DefaultNamespace;
        if (!_clients.TryGetValue(ns, out var client)) _clients[ns] = client = _create(ns);
        return client;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
        _clients.Clear();
    }
}
