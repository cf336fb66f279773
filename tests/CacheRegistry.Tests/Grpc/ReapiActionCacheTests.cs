using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Build.Bazel.Remote.Execution.V2;
using CacheRegistry.Common.Api;
using CacheRegistry.Tests.Infrastructure;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using static CacheRegistry.Tests.Infrastructure.ReapiClient;
using Directory = Build.Bazel.Remote.Execution.V2.Directory;

namespace CacheRegistry.Tests.Grpc;

/// <summary>
/// REAPI's action cache on both storage configurations: a result is stored only when every blob it
/// needs is there (its outputs, stdout and stderr, and what its output directories' trees name), is
/// a miss once any is gone, and is the same entry Bazel's HTTP /ac/ serves.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class ReapiActionCacheTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private static readonly byte[] Output = TestData.Random(70_000, seed: 1);
    private static readonly byte[] Stdout = "compiled 3 files\n"u8.ToArray();
    private static readonly Digest ActionKey = DigestOf(TestData.Random(200, seed: 2));

    private ReapiClient Client => _client ??= new ReapiClient(Server.GrpcAddress!);
    private ReapiClient? _client;

    public override async Task DisposeAsync()
    {
        _client?.Dispose();
        await base.DisposeAsync();
    }

    private static ActionResult Result() => new()
    {
        OutputFiles = { new OutputFile { Path = "out/app.o", Digest = DigestOf(Output), IsExecutable = true } },
        StdoutDigest = DigestOf(Stdout),
        ExitCode = 0,
        ExecutionMetadata = new ExecutedActionMetadata { Worker = "test" },
    };

    [BackendFact]
    public async Task A_result_naming_missing_blobs_is_refused_with_their_digests_then_stored_once_they_are_uploaded()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => UpdateAsync("team", Result()));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        var violations = PreconditionViolations(refused);
        Assert.All(violations, v => Assert.Equal("MISSING", v.Type));
        Assert.Equal(new[] { DigestOf(Output), DigestOf(Stdout) }.Select(d => $"blobs/{d.Hash}/{d.SizeBytes}").Order(), violations.Select(v => v.Subject).Order());
        await AssertMissAsync("team");

        await Client.UploadAsync("team", Output, Stdout);
        Assert.Equal(Result(), await UpdateAsync("team", Result()));
        Assert.Equal(Result(), await Client.ActionCache.GetActionResultAsync(new GetActionResultRequest { InstanceName = "team", ActionDigest = ActionKey }));
        await AssertMissAsync("other"); // per namespace

        // Inlined on request, within the bound.
        var inlined = await Client.ActionCache.GetActionResultAsync(new GetActionResultRequest
        {
            InstanceName = "team", ActionDigest = ActionKey, InlineStdout = true, InlineOutputFiles = { "out/app.o" },
        });
        Assert.Equal(Stdout, inlined.StdoutRaw.ToByteArray());
        Assert.Equal(Output, inlined.OutputFiles.Single().Contents.ToByteArray());
    }

    [BackendFact]
    public async Task A_result_whose_blob_disappears_later_is_a_miss()
    {
        await Client.UploadAsync("team", Output, Stdout);
        await UpdateAsync("team", Result());
        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"team/api/v1/cas/{DigestOf(Output).Hash}")).StatusCode);
        await AssertMissAsync("team");
    }

    [BackendFact]
    public async Task Output_directory_trees_are_references_too()
    {
        // out/ holds a.txt and sub/b.txt: one Tree message with the root and its child.
        var a = TestData.Random(1_000, seed: 3);
        var b = TestData.Random(2_000, seed: 4);
        var sub = new Directory { Files = { new FileNode { Name = "b.txt", Digest = DigestOf(b) } } };
        var root = new Directory { Files = { new FileNode { Name = "a.txt", Digest = DigestOf(a) } }, Directories = { new DirectoryNode { Name = "sub", Digest = DigestOf(sub) } } };
        var tree = new Tree { Root = root, Children = { sub } };
        var result = new ActionResult { OutputDirectories = { new OutputDirectory { Path = "out", TreeDigest = DigestOf(tree) } } };
        await Client.UploadAsync("team", tree.ToByteArray(), a);

        // b.txt is named only inside the tree, yet the write is refused for it.
        var refused = await Assert.ThrowsAsync<RpcException>(() => UpdateAsync("team", result));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal([$"blobs/{DigestOf(b).Hash}/{b.Length}"], PreconditionViolations(refused).Select(v => v.Subject));

        await Client.UploadAsync("team", b);
        await UpdateAsync("team", result);
        Assert.Equal(result, await Client.ActionCache.GetActionResultAsync(new GetActionResultRequest { InstanceName = "team", ActionDigest = ActionKey }));
        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"team/api/v1/cas/{DigestOf(b).Hash}")).StatusCode);
        await AssertMissAsync("team");

        // The same over Bazel's HTTP door: the ActionResult's tree names b.txt, which is gone.
        var put = await Http.PutAsync($"team/ac/{ActionKey.Hash}", new ByteArrayContent(result.ToByteArray()));
        Assert.Equal(HttpStatusCode.Conflict, put.StatusCode);
        Assert.Contains(DigestOf(b).Hash, await put.Content.ReadAsStringAsync());

        // A directory given as separate Directory blobs (root_directory_digest) is followed down too.
        await Client.UploadAsync("team", root.ToByteArray(), sub.ToByteArray());
        var hierarchy = new ActionResult { OutputDirectories = { new OutputDirectory { Path = "out", RootDirectoryDigest = DigestOf(root) } } };
        refused = await Assert.ThrowsAsync<RpcException>(() => UpdateAsync("team", hierarchy));
        Assert.Equal([$"blobs/{DigestOf(b).Hash}/{b.Length}"], PreconditionViolations(refused).Select(v => v.Subject));
    }

    [BackendFact]
    public async Task An_entry_written_over_grpc_is_served_by_http_and_the_other_way_round()
    {
        await Client.UploadAsync("team", Output, Stdout);
        await UpdateAsync("team", Result());
        Assert.Equal(Result(), ActionResult.Parser.ParseFrom(await Http.GetByteArrayAsync($"team/ac/{ActionKey.Hash}")));

        var other = Result();
        other.ExitCode = 3;
        var key = DigestOf(TestData.Random(200, seed: 5));
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"team/ac/{key.Hash}", new ByteArrayContent(other.ToByteArray()))).StatusCode);
        Assert.Equal(other, await Client.ActionCache.GetActionResultAsync(new GetActionResultRequest { InstanceName = "team", ActionDigest = key }));

        // A value that is not an ActionResult (a cache exec manifest under the same key) is no REAPI hit.
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new { version = 1, files = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync($"team/ac/{key.Hash}", new ByteArrayContent(manifest))).StatusCode);
        await AssertMissAsync("team", key);
    }

    [BackendFact]
    public async Task Grpc_writes_are_audited_counted_as_reapi_and_shown_by_cache_inspect()
    {
        await Client.UploadAsync("team", Output, Stdout);
        await UpdateAsync("team", Result());
        await Client.ActionCache.GetActionResultAsync(new GetActionResultRequest { InstanceName = "team", ActionDigest = ActionKey });
        await AssertMissAsync("team", DigestOf(TestData.Random(200, seed: 6)));
        await Assert.ThrowsAsync<RpcException>(() => UpdateAsync("team", new ActionResult { StdoutDigest = DigestOf(TestData.Random(9)) })); // refused: not audited

        var audit = await WaitForAuditAsync(r => r.Action.EndsWith("/UpdateActionResult"), count: 1);
        var update = Assert.Single(audit, r => r.Action.EndsWith("/UpdateActionResult"));
        Assert.Equal(("POST /build.bazel.remote.execution.v2.ActionCache/UpdateActionResult", "team", $"ac/{ActionKey.Hash}"), (update.Action, update.Namespace, update.Target));
        Assert.Single(audit, r => r.Action.EndsWith("/BatchUpdateBlobs") && r.Namespace == "team");
        Assert.DoesNotContain(audit, r => r.Action.EndsWith("/GetActionResult") || r.Action.EndsWith("/FindMissingBlobs"));

        var metrics = await Http.GetStringAsync("metrics");
        Assert.Contains("protocol=\"reapi\"", metrics);
        Assert.Contains("kind=\"grpc_NotFound\"", metrics);
        Assert.Contains("kind=\"grpc_FailedPrecondition\"", metrics);

        var stats = await CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "inspect", "stats", "--namespace", "team", "--json"]);
        Assert.Equal(0, stats.ExitCode);
        var parsed = JsonSerializer.Deserialize<StorageStats>(stats.Output, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal(1, parsed.Namespaces.Single(n => n.Namespace == "team").Entries);
        var ac = parsed.Protocols.Single(p => p.Protocol == "ac" && p.Namespace == "team");
        Assert.Equal((1, 1, 1), (ac.Hits, ac.Misses, ac.Writes));
        var value = await CliRunner.RunAsync(["--server", Server.BaseAddress.ToString(), "inspect", DigestOf(Result()).Hash]);
        Assert.Equal(0, value.ExitCode);
        Assert.Contains("team", value.Output);
    }

    private async Task<ActionResult> UpdateAsync(string instance, ActionResult result, Digest? key = null) =>
        await Client.ActionCache.UpdateActionResultAsync(new UpdateActionResultRequest { InstanceName = instance, ActionDigest = key ?? ActionKey, ActionResult = result });

    private async Task AssertMissAsync(string instance, Digest? key = null)
    {
        var miss = await Assert.ThrowsAsync<RpcException>(() => Client.ActionCache.GetActionResultAsync(new GetActionResultRequest { InstanceName = instance, ActionDigest = key ?? ActionKey }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, miss.StatusCode);
    }

    // REAPI: the PreconditionFailure travels in the grpc-status-details-bin trailer, inside a google.rpc.Status.
    private static IReadOnlyList<PreconditionFailure.Types.Violation> PreconditionViolations(RpcException refused)
    {
        var details = refused.Trailers.GetValueBytes("grpc-status-details-bin") ?? throw new InvalidOperationException("no status details");
        var status = Google.Rpc.Status.Parser.ParseFrom(details);
        Assert.Equal((int)StatusCode.FailedPrecondition, status.Code);
        return status.Details.Single(d => d.Is(PreconditionFailure.Descriptor)).Unpack<PreconditionFailure>().Violations;
    }

    private async Task<IReadOnlyList<AuditRecord>> WaitForAuditAsync(Func<AuditRecord, bool> wanted, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var records = await Http.GetFromJsonAsync<List<AuditRecord>>("api/v1/audit?limit=100") ?? [];
            if (records.Count(wanted) >= count || DateTime.UtcNow > deadline) return records;
            await Task.Delay(200);
        }
    }
}
