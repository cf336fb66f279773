using System.Text;
using System.Text.Json;

namespace CacheRegistry.Client.Artifacts;

/// <summary>A project file (cache.json, cache.lock) cannot be used; the message names the file, line and column and says what to do.</summary>
public sealed class ProjectFileException : Exception
{
    /// <summary>A problem at one place of the file.</summary>
    public ProjectFileException(string path, int line, int column, string problem, Exception? inner = null)
        : base($"{path}:{line}:{column}: {problem}", inner)
    {
        FilePath = path;
        Line = line;
        Column = column;
    }

    /// <summary>A problem with the file as a whole.</summary>
    public ProjectFileException(string path, string problem, Exception? inner = null) : base($"{path}: {problem}", inner) => FilePath = path;

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>1-based line of the problem, 0 when it is not about one place.</summary>
    public int Line { get; }

    /// <summary>1-based column (in characters) of the problem, 0 when it is not about one place.</summary>
    public int Column { get; }

    /// <summary>For a file that is not valid JSON: the reader's complaint, without its own position suffix.</summary>
    internal static ProjectFileException FromJson(string path, JsonException error, string advice)
    {
        var reason = error.Message;
        var cut = reason.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0) cut = reason.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        if (cut > 0) reason = reason[..cut];
        reason = reason.Replace(" Change the reader options.", "", StringComparison.Ordinal).TrimEnd('.');
        return new ProjectFileException(path, (int)(error.LineNumber ?? 0) + 1, (int)(error.BytePositionInLine ?? 0) + 1, $"invalid JSON: {reason}; {advice}", error);
    }
}

/// <summary>Line and column of a byte offset in a UTF-8 document, for messages about what is found there.</summary>
internal static class JsonPositions
{
    public static (int Line, int Column) Of(ReadOnlySpan<byte> utf8, long offset)
    {
        var before = utf8[..(int)Math.Min(offset, utf8.Length)];
        var line = 1 + before.Count((byte)'\n');
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        return (line, 1 + Encoding.UTF8.GetCharCount(before[lineStart..]));
    }
}
