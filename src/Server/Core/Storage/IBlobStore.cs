namespace CacheRegistry.Server.Core.Storage;

/// <summary>A listed object: its key (relative to the store), size and last modification.</summary>
public sealed record StoredObject(string Key, long Size, DateTimeOffset LastModified);

/// <summary>An opened object: its bytes and its length as the store reports it.</summary>
public sealed record OpenedObject(Stream Content, long Length) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}

/// <summary>
/// Where blob bytes live. Implementations publish a staged, already verified file under a key in one
/// atomic step: a reader sees either nothing or the whole object, never a partial one. Keys are
/// never reused for other content, so an object, once written, never changes.
/// </summary>
public interface IBlobStore
{
    /// <summary>A human-readable name of the store (directory, or bucket and prefix) for logs and errors.</summary>
    string Description { get; }

    /// <summary>Opens the object for reading, or returns null when it does not exist.</summary>
    Task<OpenedObject?> OpenReadAsync(StorageKey key, CancellationToken cancellationToken);

    /// <summary>The object's length, or null when it does not exist.</summary>
    Task<long?> GetLengthAsync(StorageKey key, CancellationToken cancellationToken);

    /// <summary>Publishes the staged file under the key (replacing an object there: only upload parts are ever sent twice).</summary>
    Task PutAsync(StorageKey key, StagedFile content, CancellationToken cancellationToken);

    Task DeleteAsync(StorageKey key, CancellationToken cancellationToken);

    /// <summary>Every object whose key starts with the prefix ("cas/", "uploads/"), for the orphan sweep.</summary>
    IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Throws when the store cannot be reached.</summary>
    Task CheckHealthAsync(CancellationToken cancellationToken);
}
