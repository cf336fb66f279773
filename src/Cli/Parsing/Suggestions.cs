namespace CacheRegistry.Cli.Parsing;

/// <summary>"Did you mean ...?": the known words closest to a mistyped one.</summary>
public static class Suggestions
{
    /// <summary>The closest candidate within a few edits (or that the word is a prefix of), or null.</summary>
    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        var trimmed = word.TrimStart('-');
        if (trimmed.Length < 2) return null; // "-c": too short to guess from
        var allowed = trimmed.Length <= 3 ? 1 : Math.Max(2, trimmed.Length / 3);
        return candidates
            .Select(c => (Candidate: c, Distance: c.TrimStart('-').StartsWith(trimmed, StringComparison.Ordinal) && trimmed.Length >= 3 ? 0 : Distance(trimmed, c.TrimStart('-'))))
            .Where(c => c.Distance <= allowed)
            .OrderBy(c => c.Distance).ThenBy(c => c.Candidate, StringComparer.Ordinal)
            .Select(c => c.Candidate)
            .FirstOrDefault();
    }

    /// <summary>Levenshtein distance, with a swap of two neighbours counting as one edit.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
