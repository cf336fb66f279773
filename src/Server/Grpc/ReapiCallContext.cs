using System.Runtime.InteropServices;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Http;
using Google.Protobuf;
using Grpc.Core;

namespace CacheRegistry.Server.Grpc;

public static class ReapiCallContext
{
    /// <summary>The namespace the request named, as <see cref="Access.ReapiAccessInterceptor"/> authorized it.</summary>
    public static NamespaceName Namespace(this ServerCallContext context) => RequestScope.Of(context.GetHttpContext()).RequiredNamespace;

    /// <summary>A read-only stream over the bytes of a message field, without copying them.</summary>
    public static Stream AsStream(this ByteString bytes) =>
        MemoryMarshal.TryGetArray(bytes.Memory, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToByteArray(), writable: false);
}
