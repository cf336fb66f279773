using CacheRegistry.Client.Actions;

namespace CacheRegistry.Tests.Unit;

public sealed class ActionKeyTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cacheregistry-key-").FullName;
    private readonly string _toolchain;

    public ActionKeyTests()
    {
        Write("src/main.c", "int main(void) { return 0; }");
        Write("src/util.c", "int util(void) { return 1; }");
        Write("src/nested/deep.c", "int deep(void) { return 2; }");
        Write("include/util.h", "int util(void);");
        _toolchain = Write("tools/cc", "#!/bin/sh\nexec gcc \"$@\"\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Input_order_and_globs_do_not_change_the_key()
    {
        var listed = await KeyAsync(Action(["src/util.c", "include/util.h", "src/main.c", "src/nested/deep.c"]));
        var globbed = await KeyAsync(Action(["src/**/*.c", "include/*.h"]));
        var directory = await KeyAsync(Action(["include", "src"]));
        var repeated = await KeyAsync(Action(["src", "src/main.c", "include/util.h"]));
        Assert.Equal(listed, globbed);
        Assert.Equal(listed, directory);
        Assert.Equal(listed, repeated);
    }

    [Fact]
    public async Task Single_star_stays_in_one_directory()
    {
        var inputs = await ActionKeyBuilder.BuildAsync(Action(["src/*.c"]), new FileDigestCache(null), default);
        Assert.Equal(["src/main.c", "src/util.c"], inputs.Inputs.Select(i => i.Path));
    }

    [Fact]
    public async Task The_same_sources_elsewhere_get_the_same_key()
    {
        var elsewhere = Directory.CreateTempSubdirectory("cacheregistry-key-copy-").FullName;
        try
        {
            foreach (var file in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(elsewhere, Path.GetRelativePath(_root, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
            var here = await KeyAsync(Action(["src", "./include/../include/util.h"]) with { Toolchain = "tools/cc" });
            var there = await KeyAsync(Action(["src", "include/util.h"]) with { Root = elsewhere, Toolchain = "tools/cc" });
            Assert.Equal(here, there);
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    [Fact]
    public async Task Only_allow_listed_environment_enters_the_key()
    {
        var name = $"CACHEREGISTRY_TEST_{Guid.NewGuid():N}";
        var unlisted = await KeyAsync(Action(["src"]));
        Environment.SetEnvironmentVariable(name, "one");
        try
        {
            Assert.Equal(unlisted, await KeyAsync(Action(["src"])));
            var listed = await KeyAsync(Action(["src"]) with { Environment = [name] });
            Assert.NotEqual(unlisted, listed);
            Environment.SetEnvironmentVariable(name, "two");
            Assert.NotEqual(listed, await KeyAsync(Action(["src"]) with { Environment = [name] }));
            Environment.SetEnvironmentVariable(name, "");
            var empty = await KeyAsync(Action(["src"]) with { Environment = [name] });
            Environment.SetEnvironmentVariable(name, null);
            Assert.NotEqual(empty, await KeyAsync(Action(["src"]) with { Environment = [name] })); // unset is not empty
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public async Task Toolchain_content_changes_the_key()
    {
        var before = await KeyAsync(Action(["src"]) with { Toolchain = "tools/cc" });
        File.AppendAllText(_toolchain, "# rebuilt\n");
        File.SetLastWriteTimeUtc(_toolchain, DateTime.UtcNow.AddMinutes(1));
        Assert.NotEqual(before, await KeyAsync(Action(["src"]) with { Toolchain = "tools/cc" }));
    }

    [Fact]
    public async Task Command_salt_and_content_change_the_key_but_nothing_else_does()
    {
        var key = await KeyAsync(Action(["src"]));
        Assert.Equal(key, await KeyAsync(Action(["src"])));
        Assert.NotEqual(key, await KeyAsync(Action(["src"]) with { Salt = "v2" }));
        Assert.NotEqual(key, await KeyAsync(Action(["src"]) with { Command = ["sh", "-c", "true", "x"] }));
        Assert.NotEqual(await KeyAsync(Action(["src"]) with { Command = ["sh", "-c", "a b"] }), await KeyAsync(Action(["src"]) with { Command = ["sh", "-c", "a", "b"] }));

        File.SetLastWriteTimeUtc(Path.Combine(_root, "src/main.c"), DateTime.UtcNow.AddHours(-3));
        Assert.Equal(key, await KeyAsync(Action(["src"]))); // a timestamp is not content
        Write("src/main.c", "int main(void) { return 1; }");
        Assert.NotEqual(key, await KeyAsync(Action(["src"])));
    }

    [Fact]
    public async Task Differences_name_what_changed()
    {
        var before = await ActionKeyBuilder.BuildAsync(Action(["src"]), new FileDigestCache(null), default);
        Write("src/util.c", "int util(void) { return 42; }");
        Write("src/added.c", "int added;");
        var after = await ActionKeyBuilder.BuildAsync(Action(["src"]) with { Salt = "s" }, new FileDigestCache(null), default);
        Assert.Equal(["input src/added.c added", "input src/util.c changed", "salt changed"], after.DifferencesFrom(before));
    }

    [Fact]
    public async Task Inputs_outside_the_workspace_or_missing_are_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => KeyAsync(Action(["../outside.c"])));
        await Assert.ThrowsAsync<ArgumentException>(() => KeyAsync(Action(["../*.c"])));
        await Assert.ThrowsAsync<FileNotFoundException>(() => KeyAsync(Action(["src/absent.c"])));
        await Assert.ThrowsAsync<FileNotFoundException>(() => KeyAsync(Action(["src/*.rs"])));
    }

    [Fact]
    public async Task File_digests_are_reused_while_size_and_time_match()
    {
        var store = Path.Combine(_root, "digests.json");
        var cache = new FileDigestCache(store);
        var path = Path.Combine(_root, "src/main.c");
        var (first, _) = await cache.DigestAsync(path, default);
        await cache.SaveAsync();

        var reloaded = new FileDigestCache(store);
        var time = File.GetLastWriteTimeUtc(path);
        await File.WriteAllTextAsync(path, "int main(void) { return 9; }"); // same length, different content
        File.SetLastWriteTimeUtc(path, time);
        Assert.Equal(first, (await reloaded.DigestAsync(path, default)).Digest); // trusted: size and time unchanged
        File.SetLastWriteTimeUtc(path, time.AddSeconds(1));
        Assert.NotEqual(first, (await reloaded.DigestAsync(path, default)).Digest);
    }

    private ActionDefinition Action(string[] inputs) => new() { Command = ["sh", "-c", "true"], Root = _root, Inputs = inputs };

    private static async Task<string> KeyAsync(ActionDefinition action) =>
        (await ActionKeyBuilder.BuildAsync(action, new FileDigestCache(null), default)).Key.Hex;

    private string Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }
}
