using CacheRegistry.Server.Core.Errors;

namespace CacheRegistry.Server.Grpc.Errors;

/// <summary>
/// <see cref="MissingBlobsException"/> naming the blobs as REAPI does, with their sizes
/// (<c>blobs/{hash}/{size}</c>: the subjects of the PreconditionFailure the client reads).
/// </summary>
public sealed class MissingReapiBlobsException(IReadOnlyList<string> subjects, Exception inner)
    : DomainException(DomainErrorKind.FailedPrecondition, inner.Message, inner)
{
    public IReadOnlyList<string> Subjects { get; } = subjects;
}
