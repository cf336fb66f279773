using System.Text.RegularExpressions;

namespace CacheRegistry.Client.Actions;

/// <summary>Expands declared inputs (files, directories, globs) into the sorted set of workspace-relative files.</summary>
public static class InputResolver
{
    /// <summary>The files the inputs name; an input that matches nothing is an error.</summary>
    public static IReadOnlyList<string> Resolve(string root, IEnumerable<string> inputs)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (IsGlob(input))
            {
                var matched = Glob(root, input).ToList();
                if (matched.Count == 0) throw new FileNotFoundException($"input pattern '{input}' matches no file");
                files.UnionWith(matched);
                continue;
            }
            var full = WorkspacePaths.Full(root, input);
            WorkspacePaths.Relative(root, full); // refuses paths that leave the root, existing or not
            if (File.Exists(full)) files.Add(WorkspacePaths.Relative(root, full));
            else if (Directory.Exists(full)) files.UnionWith(Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Select(f => WorkspacePaths.Relative(root, f)));
            else throw new FileNotFoundException($"input '{input}' does not exist");
        }
        return files.ToList();
    }

    private static bool IsGlob(string input) => input.IndexOfAny(['*', '?']) >= 0;

    private static IEnumerable<string> Glob(string root, string pattern)
    {
        var normalized = pattern.Replace('\\', '/');
        // The literal directories before the first wildcard bound the walk.
        var segments = normalized.Split('/');
        var literal = string.Join('/', segments.TakeWhile(s => !IsGlob(s)));
        var start = WorkspacePaths.Full(root, literal.Length == 0 ? "." : literal);
        WorkspacePaths.Relative(root, start); // refuses patterns that leave the root
        if (!Directory.Exists(start)) return [];

        var regex = new Regex("^" + ToRegex(normalized) + "$", RegexOptions.CultureInvariant);
        return Directory.EnumerateFiles(start, "*", SearchOption.AllDirectories)
            .Select(f => WorkspacePaths.Relative(root, f))
            .Where(relative => regex.IsMatch(relative));
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
