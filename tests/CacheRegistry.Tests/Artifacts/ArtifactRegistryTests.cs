using System.Net;
using System.Security.Cryptography;
using CacheRegistry.Client;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Artifacts;

/// <summary>The registry through the client library, on both storage configurations.</summary>
[Collection(BackendCollection.Name)]
public sealed class ArtifactRegistryTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = TestAuth.Settings();

    private CacheClient _publisher = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _publisher = Client((await TestAuth.IssueAsync(Server, "ci-publisher", "acme:write")).Token);
    }

    public override async Task DisposeAsync()
    {
        _publisher.Dispose();
        await base.DisposeAsync();
    }

    private CacheClient Client(string token, string ns = "acme") => new(new CacheClientOptions { Server = Server.BaseAddress, Token = token, Namespace = ns });

    [BackendFact]
    public async Task Versions_are_immutable_and_republishing_the_same_content_is_a_no_op()
    {
        var first = await PublishAsync("1.2.3", ("bin/tool", "v1"), ("README", "readme"));
        Assert.True(first.Created);
        Assert.Equal("ci-publisher", first.Info.Publisher);
        Assert.Equal(first.Info.Manifest.Digest.Hex, first.Info.ManifestDigest);

        var again = await PublishAsync("1.2.3", ("README", "readme"), ("bin/tool", "v1")); // same files, other order
        Assert.False(again.Created);
        Assert.Equal(first.Info.ManifestDigest, again.Info.ManifestDigest);

        var changed = await Assert.ThrowsAsync<CacheClientException>(() => PublishAsync("1.2.3", ("bin/tool", "v2"), ("README", "readme")));
        Assert.Equal(HttpStatusCode.Conflict, changed.StatusCode);
        Assert.Equal(first.Info.ManifestDigest, (await _publisher.GetVersionAsync("tool", "1.2.3"))!.ManifestDigest);
    }

    [BackendFact]
    public async Task Identical_files_across_versions_are_stored_once()
    {
        await PublishAsync("1.0.0", ("big.bin", "shared content"), ("v", "1"));
        await PublishAsync("1.0.1", ("big.bin", "shared content"), ("v", "2"));
        var stored = await Backend.ListStoredObjectsAsync();
        Assert.Single(stored, key => key.Contains(Sha256Digest.Of("shared content"u8.ToArray()).Hex));
    }

    [BackendFact]
    public async Task Publishing_needs_the_files_uploaded_and_a_well_formed_manifest()
    {
        var absent = new ArtifactFile("x", Sha256Digest.Of("never uploaded"u8.ToArray()).Hex, 14, false);
        var missing = await Assert.ThrowsAsync<CacheClientException>(() => _publisher.PublishAsync("tool", "1.0.0", new PublishRequest([absent], null, null, null)));
        Assert.Equal(HttpStatusCode.Conflict, missing.StatusCode); // a failed precondition: upload the files, then publish again
        Assert.Contains(absent.Digest, missing.Message);

        var digest = await UploadAsync("content");
        foreach (var path in new[] { "../escape", "/absolute", "a/./b", "a//b", "back\\slash" })
        {
            var bad = await Assert.ThrowsAsync<CacheClientException>(() => _publisher.PublishAsync("tool", "1.0.0", new PublishRequest([new ArtifactFile(path, digest, 7, false)], null, null, null)));
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }
        var badVersion = await Assert.ThrowsAsync<CacheClientException>(() => _publisher.PublishAsync("tool", "1.2", new PublishRequest([new ArtifactFile("f", digest, 7, false)], null, null, null)));
        Assert.Equal(HttpStatusCode.BadRequest, badVersion.StatusCode);
    }

    [BackendFact]
    public async Task Ranges_and_tags_resolve_to_the_highest_matching_version()
    {
        foreach (var version in new[] { "1.2.3", "1.2.10", "1.3.0-beta.1", "1.3.0-beta.2", "2.0.0", "0.9.0+build.5" })
        {
            await PublishAsync(version, ("file", version));
        }
        Assert.Equal("1.2.10", (await _publisher.ResolveAsync("tool", "^1.2"))!.Version);
        Assert.Equal("1.3.0-beta.2", (await _publisher.ResolveAsync("tool", "^1.2", includePrerelease: true))!.Version);
        Assert.Equal("1.3.0-beta.2", (await _publisher.ResolveAsync("tool", "^1.3.0-beta.1"))!.Version);
        Assert.Equal("1.2.10", (await _publisher.ResolveAsync("tool", "~1.2.3"))!.Version);
        Assert.Equal("2.0.0", (await _publisher.ResolveAsync("tool", ">=1.0 <3.0"))!.Version);
        Assert.Equal("1.2.10", (await _publisher.ResolveAsync("tool", "1.x"))!.Version);
        Assert.Equal("0.9.0+build.5", (await _publisher.ResolveAsync("tool", "0.9.0"))!.Version);
        Assert.Null(await _publisher.ResolveAsync("tool", "^3"));

        Assert.True(await _publisher.SetTagAsync("tool", "stable", "1.2.3"));
        Assert.Equal("1.2.3", (await _publisher.ResolveAsync("tool", "stable"))!.Version);
        Assert.True(await _publisher.SetTagAsync("tool", "stable", "2.0.0")); // tags move
        Assert.Equal("2.0.0", (await _publisher.ResolveAsync("tool", "stable"))!.Version);
        Assert.Equal(["stable"], (await _publisher.GetVersionAsync("tool", "2.0.0"))!.Tags);
        Assert.Null(await _publisher.ResolveAsync("tool", "nightly"));
    }

    [BackendFact]
    public async Task Yanked_versions_leave_resolution_but_stay_pullable_and_deleting_needs_permission()
    {
        await PublishAsync("1.0.0", ("f", "one"));
        await PublishAsync("1.1.0", ("f", "two"));
        Assert.True(await _publisher.SetYankedAsync("tool", "1.1.0", true));
        Assert.Equal("1.0.0", (await _publisher.ResolveAsync("tool", "^1"))!.Version);
        Assert.True((await _publisher.GetVersionAsync("tool", "1.1.0"))!.Yanked);
        // A yank request without its field changes nothing: 400, and the version stays yanked.
        using (var incomplete = new HttpRequestMessage(HttpMethod.Put, "acme/api/v1/artifacts/tool/versions/1.1.0/yank") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") })
        {
            incomplete.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestAuth.BootstrapToken);
            Assert.Equal(HttpStatusCode.BadRequest, (await Http.SendAsync(incomplete)).StatusCode);
        }
        Assert.True((await _publisher.GetVersionAsync("tool", "1.1.0"))!.Yanked);

        var denied = await Assert.ThrowsAsync<CacheClientException>(() => _publisher.DeleteVersionAsync("tool", "1.1.0"));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        using var deleter = Client((await TestAuth.IssueAsync(Server, "release-manager", "acme:delete")).Token);
        Assert.True(await deleter.DeleteVersionAsync("tool", "1.1.0"));
        Assert.Null(await _publisher.GetVersionAsync("tool", "1.1.0"));
    }

    [BackendFact]
    public async Task Versions_and_artifacts_are_listed_in_pages()
    {
        for (var minor = 0; minor < 5; minor++) await PublishAsync($"1.{minor}.0", ("f", $"v{minor}"));
        await PublishAsync("2.0.0", ("g", "other"), name: "widget");

        var page = await _publisher.ListVersionsAsync("tool", page: 2, pageSize: 2);
        Assert.Equal(5, page.Total);
        Assert.Equal(["1.2.0", "1.1.0"], page.Items.Select(v => v.Version));

        var artifacts = await _publisher.ListArtifactsAsync();
        Assert.Equal(["tool", "widget"], artifacts.Items.Select(a => a.Name));
        Assert.Equal("1.4.0", artifacts.Items[0].LatestVersion);
        Assert.Equal(["widget"], (await _publisher.ListArtifactsAsync(search: "wid")).Items.Select(a => a.Name));

        using var outsider = Client((await TestAuth.IssueAsync(Server, "other-team", "other:read")).Token);
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<CacheClientException>(() => outsider.ListArtifactsAsync())).StatusCode);
    }

    [BackendFact]
    public async Task Signatures_are_checked_stored_and_served()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var digest = await UploadAsync("signed content");
        var files = new[] { new ArtifactFile("f", digest, 14, false) };
        var signature = ManifestSignatures.Sign(new ArtifactManifest("tool", "3.0.0", files, new Dictionary<string, string>()), key.ExportPkcs8PrivateKeyPem());

        var (_, info) = await _publisher.PublishAsync("tool", "3.0.0", new PublishRequest(files, null, [signature], null));
        Assert.True(ManifestSignatures.IsValid(Assert.Single(info.Signatures), info.Manifest));

        var forged = signature with { Signature = Convert.ToBase64String(new byte[64]) };
        var refused = await Assert.ThrowsAsync<CacheClientException>(() => _publisher.PublishAsync("tool", "3.0.1", new PublishRequest(files, null, [forged], null)));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    [BackendFact]
    public async Task A_resumable_upload_survives_an_interruption()
    {
        var client = new CacheClient(new CacheClientOptions
        {
            Server = Server.BaseAddress, Token = TestAuth.BootstrapToken, Namespace = "acme", UploadPartSize = 1024 * 1024, ResumableUploadThreshold = 1,
        });
        var path = Path.Combine(WorkDirectory, "big.bin");
        await using (var file = File.Create(path)) await new GeneratedStream(5L * 1024 * 1024 + 123, seed: 9).CopyToAsync(file);
        var (digest, _) = await Sha256Digest.OfFileAsync(path);

        // The first attempt sends two of six parts and then "loses its connection".
        var session = await client.StartUploadAsync();
        for (var part = 1; part <= 2; part++)
        {
            var offset = (part - 1) * 1024L * 1024;
            await client.PutUploadPartAsync(session.Id, part, () => new MemoryStream(ReadSlice(path, offset, 1024 * 1024)), 1024 * 1024);
        }
        Assert.False(await client.BlobExistsAsync(digest));
        Assert.Equal([1, 2], (await client.GetUploadAsync(session.Id)).Parts.Select(p => p.Number));

        // The retry resumes the same session: it sends only the four missing parts.
        var sent = 0L;
        await client.UploadResumableAsync(path, digest, new Progress<long>(n => Interlocked.Add(ref sent, n)), resumeSessionId: session.Id);
        Assert.True(await client.BlobExistsAsync(digest));
        var copy = Path.Combine(WorkDirectory, "copy.bin");
        Assert.True(await client.DownloadBlobAsync(digest, copy));
        Assert.Equal(digest, (await Sha256Digest.OfFileAsync(copy)).Digest);
        Assert.DoesNotContain(await Backend.ListStoredObjectsAsync(), key => key.StartsWith("uploads/"));

        // Completing under a wrong digest is refused, and another namespace cannot touch the session.
        var other = await client.StartUploadAsync();
        await client.PutUploadPartAsync(other.Id, 1, () => new MemoryStream([1, 2, 3]), 3);
        var wrong = await Assert.ThrowsAsync<CacheClientException>(() => client.CompleteUploadAsync(other.Id, Sha256Digest.Of([9])));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        using var elsewhere = new CacheClient(new CacheClientOptions { Server = Server.BaseAddress, Token = TestAuth.BootstrapToken, Namespace = "zeta" });
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<CacheClientException>(() => elsewhere.GetUploadAsync(other.Id))).StatusCode);
        client.Dispose();
    }

    private static byte[] ReadSlice(string path, long offset, int length)
    {
        using var file = File.OpenRead(path);
        file.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[length];
        file.ReadExactly(buffer);
        return buffer;
    }

    private async Task<string> UploadAsync(string content)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(content);
        var digest = Sha256Digest.Of(bytes);
        await _publisher.PutBlobAsync(digest, () => new MemoryStream(bytes), bytes.Length);
        return digest.Hex;
    }

    private async Task<(bool Created, ArtifactVersionInfo Info)> PublishAsync(string version, params (string Path, string Content)[] files) =>
        await PublishAsync(version, files, "tool");

    private async Task<(bool Created, ArtifactVersionInfo Info)> PublishAsync(string version, (string Path, string Content) file1, (string Path, string Content) file2, string name) =>
        await PublishAsync(version, [file1, file2], name);

    private async Task<(bool Created, ArtifactVersionInfo Info)> PublishAsync(string version, (string Path, string Content) file, string name) =>
        await PublishAsync(version, [file], name);

    private async Task<(bool Created, ArtifactVersionInfo Info)> PublishAsync(string version, (string Path, string Content)[] files, string name)
    {
        var artifactFiles = new List<ArtifactFile>();
        foreach (var (path, content) in files) artifactFiles.Add(new ArtifactFile(path, await UploadAsync(content), System.Text.Encoding.UTF8.GetByteCount(content), false));
        return await _publisher.PublishAsync(name, version, new PublishRequest(artifactFiles, new Dictionary<string, string> { ["target"] = "x86_64-linux-gnu" }, null, null));
    }
}
