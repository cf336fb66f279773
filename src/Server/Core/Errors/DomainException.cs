namespace CacheRegistry.Server.Core.Errors;

/// <summary>What went wrong, in the core's terms; each front door maps it to its own status codes.</summary>
public enum DomainErrorKind
{
    /// <summary>Malformed input: a bad digest, key, name, body or range.</summary>
    InvalidArgument,

    NotFound,

    /// <summary>The request contradicts what is stored (an immutable version, an Nx entry that exists).</summary>
    Conflict,

    /// <summary>Something the request depends on is missing, e.g. an action result naming blobs the namespace lacks.</summary>
    FailedPrecondition,

    /// <summary>Content over a size limit.</summary>
    TooLarge,

    /// <summary>A namespace's quota would be exceeded.</summary>
    QuotaExceeded,

    UnsupportedEncoding,

    /// <summary>The caller may not do this (beyond what endpoint authorization already checked).</summary>
    Forbidden,

    /// <summary>A dependency (database, object store) cannot be reached; retrying later may work.</summary>
    Unavailable,

    /// <summary>The server's own disk is full.</summary>
    InsufficientStorage,
}

/// <summary>A refusal or failure the core reports; never carries a protocol's status code.</summary>
public class DomainException(DomainErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public DomainErrorKind Kind { get; } = kind;

    public static DomainException Invalid(string message) => new(DomainErrorKind.InvalidArgument, message);

    public static DomainException NotFound(string message) => new(DomainErrorKind.NotFound, message);

    public static DomainException Conflict(string message) => new(DomainErrorKind.Conflict, message);

    public static DomainException TooLarge(long limit) => new(DomainErrorKind.TooLarge, $"the content exceeds the limit of {limit} bytes");
}

public sealed class DigestMismatchException(string expected, string actual)
    : DomainException(DomainErrorKind.InvalidArgument, $"content digest is {actual}, not {expected}");

/// <summary>An entry or version names blobs the namespace does not have; the client uploads them and retries.</summary>
public sealed class MissingBlobsException(IReadOnlyList<string> missing)
    : DomainException(DomainErrorKind.FailedPrecondition, $"upload these blobs first: {string.Join(", ", missing.Take(20))}{(missing.Count > 20 ? $" and {missing.Count - 20} more" : "")}")
{
    public IReadOnlyList<string> Missing { get; } = missing;
}
