using System.Text;
using CacheRegistry.Client.Artifacts;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Tests.Unit;

/// <summary>cache.json and cache.lock as people write, read and diff them.</summary>
public class ProjectFilesTests
{
    [Theory]
    [InlineData("{\n  \"dependencies\": {\n    \"acme/tool\": \"^1.2\",\n  \n", 5, 1, "invalid JSON")]
    [InlineData("{\n  \"dependencies\": {\n    \"acme/tool\": \"^^1.2\"\n  }\n}\n", 3, 18, "\"^^1.2\" (for \"acme/tool\") is not a version range")]
    [InlineData("{\n  \"dependencies\": {\n    \"Acme Tool\": \"^1\"\n  }\n}\n", 3, 5, "\"Acme Tool\" is not an artifact as [namespace/]name")]
    [InlineData("{\n  \"dependencies\": {\n    \"acme/tool\": 1\n  }\n}\n", 3, 18, "must be a string")]
    [InlineData("{\n  \"dependecies\": {}\n}\n", 2, 3, "unknown property \"dependecies\"")]
    [InlineData("[\"acme/tool\"]", 1, 1, "expected an object")]
    [InlineData("{ \"dependencies\": { \"a\": \"1\", \"a\": \"2\" } }", 1, 31, "\"a\" is listed twice")]
    public void A_bad_cache_json_is_one_message_with_file_line_and_column(string content, int line, int column, string problem)
    {
        var error = Assert.Throws<ProjectFileException>(() => ProjectDependencies.Parse("cache.json", Encoding.UTF8.GetBytes(content)));
        Assert.StartsWith($"cache.json:{line}:{column}: ", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Fact]
    public void A_cache_json_may_have_comments_and_trailing_commas()
    {
        var parsed = ProjectDependencies.Parse("cache.json", """
            {
              // what the build needs
              "dependencies": { "acme/tool": "^1.2", "toolchain": " stable ", },
            }
            """u8.ToArray());
        Assert.Equal([new ProjectDependency("acme/tool", "acme", "tool", "^1.2"), new ProjectDependency("toolchain", null, "toolchain", "stable")], parsed.Dependencies);
    }

    [Fact]
    public void The_lock_is_written_for_people_and_diffs()
    {
        var lib = Sha256Digest.Of("lib"u8).Hex;
        var tool = Sha256Digest.Of("tool"u8).Hex;
        var artifact = new LockedArtifact("^1.2", "acme", "tool", "1.2.3+build.7", "0123", [
                new ArtifactFile("tool", tool, 4, true),
                ArtifactFile.Link("lib/libtool.so", "libtool.so.1"),
                new ArtifactFile("lib/libtool.so.1", lib, 3, false),
            ],
            new Dictionary<string, string> { ["target"] = "x86_64-linux-gnu", ["revision"] = "a<b>&c" },
            [new ArtifactSignature("k2", "ecdsa-p256-sha256", "PUB+2/=", "SIG+2"), new ArtifactSignature("k1", "ecdsa-p256-sha256", "PUB+1/=", "SIG+1")]);
        var other = artifact with { Spec = "stable", Namespace = "base", Name = "zlib", Version = "1.3.0", Metadata = new Dictionary<string, string>(), Signatures = [] };

        var text = Write(new ProjectLock(new Dictionary<string, LockedArtifact> { ["base/zlib"] = other, ["acme/tool"] = artifact }));

        Assert.Equal($$"""
            {
              "version": 2,
              "artifacts": {
                "acme/tool": {
                  "spec": "^1.2",
                  "namespace": "acme",
                  "name": "tool",
                  "version": "1.2.3+build.7",
                  "manifestDigest": "0123",
                  "files": [
                    { "path": "lib/libtool.so", "linkTarget": "libtool.so.1" },
                    { "path": "lib/libtool.so.1", "digest": "{{lib}}", "size": 3 },
                    { "path": "tool", "digest": "{{tool}}", "size": 4, "executable": true }
                  ],
                  "metadata": {
                    "revision": "a<b>&c",
                    "target": "x86_64-linux-gnu"
                  },
                  "signatures": [
                    {
                      "keyId": "k1",
                      "algorithm": "ecdsa-p256-sha256",
                      "publicKey": "PUB+1/=",
                      "signature": "SIG+1"
                    },
                    {
                      "keyId": "k2",
                      "algorithm": "ecdsa-p256-sha256",
                      "publicKey": "PUB+2/=",
                      "signature": "SIG+2"
                    }
                  ]
                },
                "base/zlib": {
                  "spec": "stable",
                  "namespace": "base",
                  "name": "zlib",
                  "version": "1.3.0",
                  "manifestDigest": "0123",
                  "files": [
                    { "path": "lib/libtool.so", "linkTarget": "libtool.so.1" },
                    { "path": "lib/libtool.so.1", "digest": "{{lib}}", "size": 3 },
                    { "path": "tool", "digest": "{{tool}}", "size": 4, "executable": true }
                  ]
                }
              }
            }

            """, text);

        // Reading it back gives the same lock, and writing that gives the same bytes.
        var read = ProjectLock.Parse("cache.lock", Encoding.UTF8.GetBytes(text));
        Assert.Equal(text, Write(read));
        Assert.Equal(artifact.Manifest.Digest, read.Artifacts["acme/tool"].Manifest.Digest);
        Assert.True(read.Artifacts["acme/tool"].Files.Single(f => f.Path == "lib/libtool.so").IsLink);
        Assert.Equal("{\n  \"version\": 2,\n  \"artifacts\": {}\n}\n", Write(ProjectLock.Empty));
    }

    [Fact]
    public void A_lock_of_the_first_format_still_reads()
    {
        // As the first release wrote it: a repeated manifest with the digest's internals, '+' escaped, no namespace.
        var digest = Sha256Digest.Of("x"u8).Hex;
        var v1 = $$"""
            {
              "version": 1,
              "artifacts": {
                "tool": {
                  "spec": "^1",
                  "namespace": null,
                  "name": "tool",
                  "version": "1.0.0\u002Bb",
                  "manifestDigest": "abc",
                  "files": [ { "path": "x", "digest": "{{digest}}", "size": 1, "executable": false } ],
                  "metadata": { "k": "v" },
                  "signatures": [],
                  "manifest": { "name": "tool", "version": "1.0.0\u002Bb", "files": [], "metadata": {}, "digest": { "hex": "abc", "isEmpty": false } }
                }
              }
            }
            """;
        var read = ProjectLock.Parse("cache.lock", Encoding.UTF8.GetBytes(v1)).Artifacts["tool"];
        Assert.Equal(new LockedArtifact("^1", null, "tool", "1.0.0+b", "abc", read.Files, read.Metadata, read.Signatures), read);
        Assert.Equal([new ArtifactFile("x", digest, 1, false)], read.Files);
        Assert.Equal("v", read.Metadata["k"]);
        Assert.DoesNotContain("isEmpty", Write(ProjectLock.Parse("cache.lock", Encoding.UTF8.GetBytes(v1))));
    }

    [Theory]
    [InlineData("{ \"version\": 2, \"artifacts\": { \"a\": { ", "cache.lock:1:39: invalid JSON")]
    [InlineData("{ \"version\": 9, \"artifacts\": {} }", "lock format 9 is not one this cache reads (1 to 2); update the cache CLI, or delete it and run cache resolve")]
    [InlineData("{ \"version\": 2, \"artifacts\": { \"a\": { \"spec\": \"1\" } } }", "not a lock file this cache can read")]
    public void A_bad_lock_says_how_to_get_a_good_one(string content, string problem)
    {
        var error = Assert.Throws<ProjectFileException>(() => ProjectLock.Parse("cache.lock", Encoding.UTF8.GetBytes(content)));
        Assert.Contains(problem, error.Message);
        Assert.Contains("cache resolve", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    private static string Write(ProjectLock projectLock)
    {
        using var buffer = new MemoryStream();
        projectLock.Write(buffer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
