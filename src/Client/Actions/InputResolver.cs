using System.Text.RegularExpressions;
using CacheRegistry.Client.Files;

namespace CacheRegistry.Client.Actions;

/// <summary>
/// Expands declared inputs (files, directories, globs) into the sorted set of workspace-relative files
/// and links. Links are inputs of their own (their target is what counts) unless links are followed;
/// a link leading outside the workspace is refused.
/// </summary>
public static class InputResolver
{
    /// <summary>The files and links the inputs name, by workspace-relative path; an input that matches nothing is an error.</summary>
    public static IReadOnlyList<TreeEntry> Resolve(string root, IEnumerable<string> inputs, SymlinkPolicy symlinks)
    {
        var entries = new SortedDictionary<string, TreeEntry>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (IsGlob(input))
            {
                var matched = Glob(root, input, symlinks).ToList();
                if (matched.Count == 0) throw new FileNotFoundException($"input pattern '{input}' matches no file");
                foreach (var entry in matched) entries[entry.RelativePath] = entry;
                continue;
            }
            var full = WorkspacePaths.Full(root, input);
            WorkspacePaths.Relative(root, full); // refuses paths that leave the root, existing or not
            if (!File.Exists(full) && !Directory.Exists(full) && !FileTree.IsLink(full)) throw new FileNotFoundException($"input '{input}' does not exist");
            var single = FileTree.Describe(root, full, symlinks);
            var found = single is null ? FileTree.Walk(root, full, symlinks) : [single];
            foreach (var entry in found) entries[entry.RelativePath] = entry;
        }
        return entries.Values.ToList();
    }

    private static bool IsGlob(string input) => input.IndexOfAny(['*', '?']) >= 0;

    private static IEnumerable<TreeEntry> Glob(string root, string pattern, SymlinkPolicy symlinks)
    {
        var normalized = pattern.Replace('\\', '/');
        // The literal directories before the first wildcard bound the walk.
        var segments = normalized.Split('/');
        var literal = string.Join('/', segments.TakeWhile(s => !IsGlob(s)));
        var start = WorkspacePaths.Full(root, literal.Length == 0 ? "." : literal);
        WorkspacePaths.Relative(root, start); // refuses patterns that leave the root
        if (!Directory.Exists(start)) return [];

        var regex = new Regex("^" + ToRegex(normalized) + "$", RegexOptions.CultureInvariant);
        return FileTree.Walk(root, start, symlinks).Where(entry => regex.IsMatch(entry.RelativePath));
    }

    // '**/' matches any number of directories, '*' anything but '/', '?' one character but '/'.
    private static string ToRegex(string pattern)
    {
        var result = new System.Text.StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                result.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (pattern[i] == '*') result.Append("[^/]*");
            else if (pattern[i] == '?') result.Append("[^/]");
            else result.Append(Regex.Escape(pattern[i].ToString()));
        }
        return result.ToString();
    }
}
