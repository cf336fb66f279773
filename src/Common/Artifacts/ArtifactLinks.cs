namespace CacheRegistry.Common.Artifacts;

/// <summary>
/// The rules for symbolic links inside an artifact. A link's target is relative to the link's own
/// directory and written canonically: <c>.</c>, or zero or more leading <c>..</c> followed by plain
/// names (<c>../lib/libtool.so.1</c>), never absolute. Resolved from the link's directory it must stay
/// inside the artifact, so pulling an artifact never creates a link that leaves its directory.
/// </summary>
public static class ArtifactLinks
{
    /// <summary>What is wrong with a link entry, or null when it is acceptable.</summary>
    public static string? Problem(ArtifactFile link, string target)
    {
        if (link.Digest != Hashing.Sha256Digest.Empty.Hex || link.Size != 0 || link.Executable)
        {
            return $"link '{link.Path}' must have the empty digest, size 0 and no executable bit";
        }
        if (!IsCanonical(target)) return $"link '{link.Path}' has target '{target}', which is not a relative path in canonical form";
        if (!StaysInside(link.Path, target)) return $"link '{link.Path}' points to '{target}', outside the artifact";
        return null;
    }

    /// <summary>"." or ("../")* then plain names: no empty, "." or later ".." parts, no backslash or NUL.</summary>
    public static bool IsCanonical(string target)
    {
        if (target == ".") return true;
        if (target.Length is 0 or > 1024 || target.StartsWith('/') || target.Contains('\\') || target.Contains('\0')) return false;
        var parts = target.Split('/');
        var leadingUps = parts.TakeWhile(p => p == "..").Count();
        return parts.Skip(leadingUps).All(p => p.Length > 0 && p != "." && p != "..");
    }

    /// <summary>Whether the target, resolved from the directory of <paramref name="linkPath"/>, stays inside the artifact.</summary>
    public static bool StaysInside(string linkPath, string target)
    {
        if (target == ".") return true;
        var depth = linkPath.Count(c => c == '/'); // directories between the root and the link
        return target.Split('/').TakeWhile(p => p == "..").Count() <= depth;
    }
}
