namespace CacheRegistry.Server.Core.Storage;

/// <summary>A listed object: its key (relative to the store), size and last modification.</summary>
public sealed record StoredObject(string Key, long Size, DateTimeOffset LastModified);

/// <summary>
/// An opened object: its bytes and its length as the store reports it. <paramref name="IsLocal"/>: the
/// bytes come from a local file (the page cache, usually), so a small object is cheaper to read
/// synchronously than through an asynchronous read, which .NET runs on another thread.
/// </summary>
public sealed record OpenedObject(Stream Content, long Length, bool IsLocal = false) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}

/// <summary>
/// Where blob bytes live. Implementations publish staged, already verified content under a key. Keys
/// are never reused for other content, so an object, once written, never changes; and nothing reads a
/// key before the metadata naming it commits, after the put returns, so a put need not be atomic for
/// new keys (a crash mid-put leaves an orphan for the sweep). Upload parts, the one kind of key written
/// again, are published atomically.
/// </summary>
public interface IBlobStore
{
    /// <summary>A human-readable name of the store (directory, or bucket and prefix) for logs and errors.</summary>
    string Description { get; }

    /// <summary>Opens the object for reading, or returns null when it does not exist.</summary>
    Task<OpenedObject?> OpenReadAsync(StorageKey key, CancellationToken cancellationToken);

    /// <summary>The object's length, or null when it does not exist.</summary>
    Task<long?> GetLengthAsync(StorageKey key, CancellationToken cancellationToken);

    /// <summary>Publishes the staged content under the key (replacing an object there: only upload parts are ever sent twice).</summary>
    Task PutAsync(StorageKey key, StagedContent content, CancellationToken cancellationToken);

    Task DeleteAsync(StorageKey key, CancellationToken cancellationToken);

    /// <summary>Every object whose key starts with the prefix ("cas/", "uploads/"), for the orphan sweep.</summary>
    IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Throws when the store cannot be reached.</summary>
    Task CheckHealthAsync(CancellationToken cancellationToken);
}
