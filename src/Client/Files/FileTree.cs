using CacheRegistry.Common.Artifacts;

namespace CacheRegistry.Client.Files;

/// <summary>What to do with symbolic links found in a tree.</summary>
public enum SymlinkPolicy
{
    /// <summary>Keep them as links (their targets must stay inside the tree); never walk or read through them.</summary>
    Preserve,

    /// <summary>Take what they point to, wherever that is, as if it were there.</summary>
    Follow,
}

/// <summary>One entry of a tree: a regular file, or a link kept as a link.</summary>
/// <param name="FullPath">Where it is on disk.</param>
/// <param name="RelativePath">Its path below the tree's root, '/'-separated.</param>
/// <param name="LinkTarget">For a link: its target relative to the link's directory, in canonical form (see <see cref="ArtifactLinks"/>).</param>
public sealed record TreeEntry(string FullPath, string RelativePath, string? LinkTarget)
{
    /// <summary>True for a symbolic link kept as a link.</summary>
    public bool IsLink => LinkTarget is not null;
}

/// <summary>A symbolic link leads outside the tree it was found in; nothing was read through it.</summary>
public sealed class SymlinkOutsideTreeException(string link, string target, string root)
    : IOException($"{link} is a symbolic link to {target}, outside {root}; refusing to follow it (following links is an explicit choice: --follow-symlinks)")
{
    /// <summary>The link.</summary>
    public string Link { get; } = link;

    /// <summary>What it points to.</summary>
    public string Target { get; } = target;
}

/// <summary>
/// Walks directories the way an archiver should: by default a link is an entry of its own, never
/// walked or read through, and a link leading outside the tree is an error, so a link committed to a
/// repository cannot smuggle files from elsewhere on the machine into what is stored.
/// </summary>
public static class FileTree
{
    private const int MaxLinkHops = 40;

    /// <summary>
    /// The files and links below <paramref name="directory"/>, relative to <paramref name="root"/>, in
    /// ordinal order. With <see cref="SymlinkPolicy.Preserve"/>, the directory itself must not lead
    /// outside the root through a link.
    /// </summary>
    public static IReadOnlyList<TreeEntry> Walk(string root, string directory, SymlinkPolicy policy)
    {
        root = Path.GetFullPath(root);
        directory = Path.GetFullPath(directory, root);
        if (policy == SymlinkPolicy.Preserve) EnsureInside(root, directory);
        var entries = new List<TreeEntry>();
        WalkInto(root, directory, policy, entries, new HashSet<string>(StringComparer.Ordinal));
        entries.Sort((a, b) => StringComparer.Ordinal.Compare(a.RelativePath, b.RelativePath));
        return entries;
    }

    /// <summary>
    /// One path below the root as an entry: a regular file, or (when it is a link kept as a link) a link.
    /// Null when it is a directory (or, following links, leads to one).
    /// </summary>
    public static TreeEntry? Describe(string root, string path, SymlinkPolicy policy)
    {
        root = Path.GetFullPath(root);
        var full = Path.GetFullPath(path, root);
        if (policy == SymlinkPolicy.Preserve) EnsureInside(root, Path.GetDirectoryName(full)!);
        var info = new FileInfo(full);
        if (info.LinkTarget is { } target)
        {
            if (policy == SymlinkPolicy.Preserve) return LinkEntry(root, full, target);
            var resolved = info.ResolveLinkTarget(returnFinalTarget: true);
            if (resolved is null || !resolved.Exists) throw new FileNotFoundException($"{full} is a symbolic link to {target}, which does not exist");
            return resolved is DirectoryInfo ? null : new TreeEntry(full, Relative(root, full), null);
        }
        if (Directory.Exists(full)) return null;
        return File.Exists(full) ? new TreeEntry(full, Relative(root, full), null) : throw new FileNotFoundException($"{full} does not exist");
    }

    /// <summary>True when the path itself is a symbolic link (whatever it points to, if anything).</summary>
    public static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    /// <summary>
    /// Throws <see cref="SymlinkOutsideTreeException"/> when <paramref name="path"/> (below
    /// <paramref name="root"/> as written) leads outside the root through a symbolic link on its way.
    /// </summary>
    public static void EnsureInside(string root, string path)
    {
        var realRoot = RealPath(root);
        var full = Path.GetFullPath(path, root);
        if (IsInside(realRoot, RealPath(full))) return;
        // Name the link that leads out: the first component whose real path leaves the root.
        var current = Path.GetFullPath(root);
        foreach (var part in Path.GetRelativePath(current, full).Split(Path.DirectorySeparatorChar))
        {
            current = Path.Combine(current, part);
            if (!IsInside(realRoot, RealPath(current))) throw new SymlinkOutsideTreeException(current, new FileInfo(current).LinkTarget ?? RealPath(current), root);
        }
        throw new SymlinkOutsideTreeException(full, RealPath(full), root);
    }

    /// <summary>
    /// The files and links below a directory as they are, relative to it, without following or judging
    /// any link: what is there, to compare with what should be.
    /// </summary>
    public static IReadOnlyList<string> List(string directory, Func<string, bool>? skip = null)
    {
        var found = new List<string>();
        var root = Path.GetFullPath(directory);
        var pending = new Stack<string>([root]);
        while (pending.TryPop(out var current))
        {
            foreach (var item in new DirectoryInfo(current).EnumerateFileSystemInfos())
            {
                var relative = Relative(root, item.FullName);
                if (skip?.Invoke(relative) == true) continue;
                if (item is DirectoryInfo && item.LinkTarget is null) pending.Push(item.FullName);
                else found.Add(relative);
            }
        }
        found.Sort(StringComparer.Ordinal);
        return found;
    }

    /// <summary>The path with every symbolic link on it resolved, like realpath(3); parts that do not exist are kept as written.</summary>
    public static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var top = Path.GetPathRoot(full)!;
        var pending = new Stack<string>(full[top.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = top;
        var hops = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var next = Path.Combine(current, part);
            if (new FileInfo(next).LinkTarget is not { } target)
            {
                current = next;
                continue;
            }
            if (++hops > MaxLinkHops) throw new IOException($"{path}: too many levels of symbolic links");
            var resolved = Path.GetFullPath(target, current);
            foreach (var segment in resolved[Path.GetPathRoot(resolved)!.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse()) pending.Push(segment);
            current = Path.GetPathRoot(resolved)!;
        }
        return current;
    }

    private static void WalkInto(string root, string directory, SymlinkPolicy policy, List<TreeEntry> entries, HashSet<string> ancestors)
    {
        // Following links can lead back into a directory being walked: a cycle, walked once.
        var real = RealPath(directory);
        if (!ancestors.Add(real)) return;
        foreach (var item in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            if (item.LinkTarget is { } target)
            {
                if (policy == SymlinkPolicy.Preserve)
                {
                    entries.Add(LinkEntry(root, item.FullName, target));
                    continue;
                }
                var resolved = item.ResolveLinkTarget(returnFinalTarget: true);
                if (resolved is null || !resolved.Exists) throw new FileNotFoundException($"{item.FullName} is a symbolic link to {target}, which does not exist");
                if (resolved is DirectoryInfo) WalkInto(root, item.FullName, policy, entries, ancestors);
                else entries.Add(new TreeEntry(item.FullName, Relative(root, item.FullName), null));
            }
            else if (item is DirectoryInfo) WalkInto(root, item.FullName, policy, entries, ancestors);
            else entries.Add(new TreeEntry(item.FullName, Relative(root, item.FullName), null));
        }
        ancestors.Remove(real);
    }

    // A link kept as a link: where it points is worked out from the real directory it is in, so no
    // other link on the way can make a target look inside when it is not.
    private static TreeEntry LinkEntry(string root, string link, string target)
    {
        var directory = RealPath(Path.GetDirectoryName(link)!);
        var resolved = Path.GetFullPath(target, directory);
        if (!IsInside(RealPath(root), resolved)) throw new SymlinkOutsideTreeException(link, target, root);
        var canonical = Path.GetRelativePath(directory, resolved).Replace(Path.DirectorySeparatorChar, '/');
        return new TreeEntry(link, Relative(root, link), canonical);
    }

    private static bool IsInside(string root, string path) =>
        path == root || path.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static string Relative(string root, string full) => Path.GetRelativePath(root, full).Replace(Path.DirectorySeparatorChar, '/');
}
