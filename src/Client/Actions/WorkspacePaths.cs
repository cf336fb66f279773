namespace CacheRegistry.Client.Actions;

/// <summary>Workspace-relative paths: '/'-separated, never absolute, never leaving the root.</summary>
public static class WorkspacePaths
{
    /// <summary>The workspace-relative form of a path; throws for one outside the root.</summary>
    public static string Relative(string root, string path)
    {
        var full = Path.GetFullPath(path, root);
        var relative = Path.GetRelativePath(root, full).Replace(Path.DirectorySeparatorChar, '/');
        if (relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            throw new ArgumentException($"'{path}' is outside the workspace root {root}");
        }
        return relative;
    }

    /// <summary>The full path of a workspace-relative path.</summary>
    public static string Full(string root, string relative) => Path.GetFullPath(relative.Replace('/', Path.DirectorySeparatorChar), root);
}
