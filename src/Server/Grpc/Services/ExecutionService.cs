using Build.Bazel.Remote.Execution.V2;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Grpc.Access;
using Google.LongRunning;
using Grpc.Core;

namespace CacheRegistry.Server.Grpc.Services;

/// <summary>This server is a cache: remote execution is UNIMPLEMENTED (after the same access check as every call).</summary>
public sealed class ExecutionService : Execution.ExecutionBase
{
    private const string NotServed = "this server is a remote cache: it serves Capabilities, ActionCache, ContentAddressableStorage and ByteStream, not Execution";

    [ReapiAccess(CachePermission.Read)]
    public override Task Execute(ExecuteRequest request, IServerStreamWriter<Operation> responseStream, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, NotServed));

    [ReapiAccess(CachePermission.Read)]
    public override Task WaitExecution(WaitExecutionRequest request, IServerStreamWriter<Operation> responseStream, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, NotServed));
}
