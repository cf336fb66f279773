using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Hosting;
using CacheRegistry.Server.Http;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Status = Grpc.Core.Status;

namespace CacheRegistry.Server.Grpc.Errors;

/// <summary>
/// What a failure is for a gRPC client: the core's domain errors get the codes REAPI specifies (the
/// HTTP door maps the same kinds in <see cref="RequestErrorHandler.StatusOf"/>), outages of the
/// database or object store are UNAVAILABLE, a full disk RESOURCE_EXHAUSTED. Anything else is a bug.
/// </summary>
public static class ReapiErrors
{
    private const string StatusDetailsTrailer = "grpc-status-details-bin";

    public static StatusCode CodeOf(DomainErrorKind kind) => kind switch
    {
        DomainErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        DomainErrorKind.NotFound => StatusCode.NotFound,
        DomainErrorKind.Conflict => StatusCode.AlreadyExists,
        DomainErrorKind.FailedPrecondition => StatusCode.FailedPrecondition,
        DomainErrorKind.TooLarge or DomainErrorKind.QuotaExceeded or DomainErrorKind.InsufficientStorage => StatusCode.ResourceExhausted,
        DomainErrorKind.UnsupportedEncoding => StatusCode.InvalidArgument,
        DomainErrorKind.Forbidden => StatusCode.PermissionDenied,
        DomainErrorKind.Unavailable => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    };

    /// <summary>The HTTP edge's own refusals (<see cref="CacheRequestException"/>, e.g. a malformed namespace) in gRPC terms.</summary>
    public static StatusCode CodeOfHttpStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest or StatusCodes.Status415UnsupportedMediaType => StatusCode.InvalidArgument,
        StatusCodes.Status401Unauthorized => StatusCode.Unauthenticated,
        StatusCodes.Status403Forbidden => StatusCode.PermissionDenied,
        StatusCodes.Status404NotFound => StatusCode.NotFound,
        StatusCodes.Status409Conflict => StatusCode.FailedPrecondition,
        StatusCodes.Status413PayloadTooLarge or StatusCodes.Status429TooManyRequests or StatusCodes.Status507InsufficientStorage => StatusCode.ResourceExhausted,
        StatusCodes.Status503ServiceUnavailable => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    };

    /// <summary>The client's status for a failure, or null when it is a bug.</summary>
    public static RpcException? ToRpcException(Exception exception, OutageMonitor outages) => exception switch
    {
        RpcException rpc => rpc,
        MissingReapiBlobsException missing => WithDetails(StatusCode.FailedPrecondition, missing.Message, Missing(missing.Subjects)),
        MissingBlobsException missing => WithDetails(StatusCode.FailedPrecondition, missing.Message, Missing(missing.Missing.Select(hex => $"blobs/{hex}"))),
        DomainException domain => new RpcException(new Status(CodeOf(domain.Kind), domain.Message)),
        CacheRequestException request => new RpcException(new Status(CodeOfHttpStatus(request.StatusCode), request.Message)),
        _ => outages.Classify(exception) switch
        {
            FailureKind.Unavailable => new RpcException(new Status(StatusCode.Unavailable, "a service the cache depends on is not available; try again shortly")),
            FailureKind.DiskFull => new RpcException(new Status(StatusCode.ResourceExhausted, "the server's disk is full")),
            _ => null,
        },
    };

    /// <summary>A per-blob status of a batch call, for a domain error of that blob.</summary>
    public static Google.Rpc.Status ToStatusProto(DomainException exception) => new() { Code = (int)CodeOf(exception.Kind), Message = exception.Message };

    public static Google.Rpc.Status Ok { get; } = new() { Code = (int)StatusCode.OK };

    // REAPI: a violation of type MISSING per blob, subject "blobs/{hash}/{size}".
    private static PreconditionFailure Missing(IEnumerable<string> subjects)
    {
        var failure = new PreconditionFailure();
        failure.Violations.AddRange(subjects.Select(subject => new PreconditionFailure.Types.Violation
        {
            Type = "MISSING", Subject = subject, Description = "the action result names this blob and the CAS does not have it",
        }));
        return failure;
    }

    // The status with rich details travels in the grpc-status-details-bin trailer, as a google.rpc.Status.
    private static RpcException WithDetails(StatusCode code, string message, IMessage details)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = message };
        status.Details.Add(Any.Pack(details));
        return new RpcException(new Status(code, message), new global::Grpc.Core.Metadata { { StatusDetailsTrailer, status.ToByteArray() } });
    }
}
