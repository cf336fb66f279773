using CacheRegistry.Client.Files;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Tests.Unit;

/// <summary>Symbolic links in manifests, and how local trees are read: a link is kept, never followed, unless asked.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ArtifactLinkTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cacheregistry-links-").FullName;

    [Fact]
    public void A_manifest_without_links_has_the_canonical_form_it_always_had()
    {
        var digest = Sha256Digest.Of("x"u8).Hex;
        var manifest = new ArtifactManifest("tool", "1.0.0", [new ArtifactFile("bin/x", digest, 1, true)], new Dictionary<string, string> { ["k"] = "v" });
        Assert.Equal($$$"""{"name":"tool","version":"1.0.0","files":[{"path":"bin/x","digest":"{{{digest}}}","size":1,"executable":true}],"metadata":{"k":"v"}}""",
            System.Text.Encoding.UTF8.GetString(manifest.CanonicalJson()));
    }

    [Theory]
    [InlineData("lib/libx.so", "libx.so.1", null)]
    [InlineData("lib/tool", "../bin/tool", null)]
    [InlineData("lib/self", ".", null)]
    [InlineData("lib/up", "..", null)]
    [InlineData("libx.so", "../etc/passwd", "outside the artifact")]
    [InlineData("lib/x", "../../x", "outside the artifact")]
    [InlineData("lib/x", "/etc/passwd", "not a relative path in canonical form")]
    [InlineData("lib/x", "a/../b", "not a relative path in canonical form")]
    [InlineData("lib/x", "./b", "not a relative path in canonical form")]
    [InlineData("lib/x", "", "not a relative path in canonical form")]
    public void Links_must_stay_inside_the_artifact(string path, string target, string? problem)
    {
        var manifest = new ArtifactManifest("tool", "1.0.0", [ArtifactFile.Link(path, target), new ArtifactFile("bin/tool", Sha256Digest.Empty.Hex, 0, false)], new Dictionary<string, string>());
        var problems = manifest.Problems().ToList();
        if (problem is null) Assert.Empty(problems);
        else Assert.Contains(problems, p => p.Contains(problem));
    }

    [Fact]
    public void Nothing_may_be_written_below_a_link_and_a_link_carries_no_content()
    {
        var below = new ArtifactManifest("tool", "1.0.0", [ArtifactFile.Link("lib", "bin"), new ArtifactFile("lib/x", Sha256Digest.Empty.Hex, 0, false)], new Dictionary<string, string>());
        Assert.Contains(below.Problems(), p => p.Contains("'lib/x' is below a symbolic link"));
        var withContent = new ArtifactManifest("tool", "1.0.0", [new ArtifactFile("lib", Sha256Digest.Of("x"u8).Hex, 1, false, "bin")], new Dictionary<string, string>());
        Assert.Contains(withContent.Problems(), p => p.Contains("must have the empty digest"));
    }

    [Fact]
    public void A_tree_keeps_links_inside_it_as_links_and_refuses_links_that_leave_it()
    {
        var tree = Directory.CreateDirectory(Path.Combine(_root, "dist")).FullName;
        Directory.CreateDirectory(Path.Combine(tree, "lib"));
        File.WriteAllText(Path.Combine(tree, "lib", "libx.so.1"), "lib");
        File.CreateSymbolicLink(Path.Combine(tree, "lib", "libx.so"), "libx.so.1");
        File.CreateSymbolicLink(Path.Combine(tree, "lib", "abs"), Path.Combine(tree, "lib", "libx.so.1")); // absolute, but inside
        Directory.CreateSymbolicLink(Path.Combine(tree, "current"), "lib");                                 // a directory: not walked

        var entries = FileTree.Walk(tree, tree, SymlinkPolicy.Preserve);
        Assert.Equal(["current", "lib/abs", "lib/libx.so", "lib/libx.so.1"], entries.Select(e => e.RelativePath));
        Assert.Equal(["lib", "libx.so.1", "libx.so.1", null], entries.Select(e => e.LinkTarget));

        File.WriteAllText(Path.Combine(_root, "secret"), "secret");
        File.CreateSymbolicLink(Path.Combine(tree, "lib", "leak"), "../../secret");
        var refused = Assert.Throws<SymlinkOutsideTreeException>(() => FileTree.Walk(tree, tree, SymlinkPolicy.Preserve));
        Assert.Equal(Path.Combine(tree, "lib", "leak"), refused.Link);
        Assert.Contains("--follow-symlinks", refused.Message);

        // Following is an explicit choice: then the link is what it points to, and a directory link is walked.
        var followed = FileTree.Walk(tree, tree, SymlinkPolicy.Follow);
        Assert.Contains(followed, e => e.RelativePath == "lib/leak" && e.LinkTarget is null);
        Assert.Contains(followed, e => e.RelativePath == "current/libx.so.1");
    }

    [Fact]
    public void A_path_that_leads_out_through_a_link_on_its_way_is_refused()
    {
        var workspace = Directory.CreateDirectory(Path.Combine(_root, "workspace")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(_root, "home", ".ssh")).FullName;
        File.WriteAllText(Path.Combine(outside, "id_ed25519"), "key");
        Directory.CreateSymbolicLink(Path.Combine(workspace, "build"), outside);
        Directory.CreateDirectory(Path.Combine(workspace, "real"));
        Directory.CreateSymbolicLink(Path.Combine(workspace, "alias"), "real");

        var refused = Assert.Throws<SymlinkOutsideTreeException>(() => FileTree.Walk(workspace, Path.Combine(workspace, "build"), SymlinkPolicy.Preserve));
        Assert.Equal(Path.Combine(workspace, "build"), refused.Link);
        Assert.Throws<SymlinkOutsideTreeException>(() => FileTree.Describe(workspace, Path.Combine(workspace, "build", "id_ed25519"), SymlinkPolicy.Preserve));
        FileTree.EnsureInside(workspace, Path.Combine(workspace, "alias", "x")); // a link that stays inside is fine
        Assert.Equal(Path.Combine(workspace, "real", "x"), FileTree.RealPath(Path.Combine(workspace, "alias", "x")));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
