using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Grpc.ByteStream;
using CacheRegistry.Server.Http;
using IScopedRequest = CacheRegistry.Server.Grpc.Access.IScopedRequest;

// The request messages are generated from the .proto files; these partial declarations say where each
// names its namespace, for the access check.
namespace Build.Bazel.Remote.Execution.V2
{
    public sealed partial class GetCapabilitiesRequest : IScopedRequest
    {
        NamespaceName IScopedRequest.Namespace => RouteValues.NamespaceOrDefault(InstanceName);
    }

    public sealed partial class GetActionResultRequest : IScopedRequest
    {
        NamespaceName IScopedRequest.Namespace => RouteValues.NamespaceOrDefault(InstanceName);
    }

    public sealed partial class UpdateActionResultRequest : IScopedRequest
    {
        NamespaceName IScopedRequest.Namespace => RouteValues.NamespaceOrDefault(InstanceName);
    }

    public sealed partial class FindMissingBlobsRequest : IScopedRequest
    {
        NamespaceName IScopedRequest.Namespace => RouteValues.NamespaceOrDefault(InstanceName);
    }

    public sealed partial class BatchUpdateBlobsRequest : IScopedRequest
    {
        NamespaceName IScopedRequest.Namespace => RouteValues.NamespaceOrDefault(InstanceName);
    }

    public sealed partial class BatchReadBlobsRequest : IScopedRequest
    {
        NamespaceName IScopedRequest.Namespace => RouteValues.NamespaceOrDefault(InstanceName);
    }

    public sealed partial class GetTreeRequest : IScopedRequest
    {
        NamespaceName IScopedRequest.Namespace => RouteValues.NamespaceOrDefault(InstanceName);
    }

    public sealed partial class ExecuteRequest : IScopedRequest
    {
        NamespaceName IScopedRequest.Namespace => RouteValues.NamespaceOrDefault(InstanceName);
    }

    public sealed partial class WaitExecutionRequest : IScopedRequest
    {
        // It names only an operation (this server never starts one): "{instance}/operations/{id}" names its
        // instance, as operation names usually do; any other name is checked against the default namespace.
        NamespaceName IScopedRequest.Namespace =>
            RouteValues.NamespaceOrDefault(Name.IndexOf("/operations/", StringComparison.Ordinal) is var end and > 0 ? Name[..end] : null);
    }
}

namespace Google.Bytestream
{
    public sealed partial class ReadRequest : IScopedRequest
    {
        NamespaceName IScopedRequest.Namespace => BlobResource.NamespaceOf(ResourceName);
    }

    public sealed partial class WriteRequest : IScopedRequest
    {
        NamespaceName IScopedRequest.Namespace => BlobResource.NamespaceOf(ResourceName);
    }

    public sealed partial class QueryWriteStatusRequest : IScopedRequest
    {
        NamespaceName IScopedRequest.Namespace => BlobResource.NamespaceOf(ResourceName);
    }
}

namespace CacheRegistry.Server.Grpc.Access
{
    /// <summary>A request message that names the namespace it acts on (malformed: INVALID_ARGUMENT).</summary>
    public interface IScopedRequest
    {
        NamespaceName Namespace { get; }
    }
}
