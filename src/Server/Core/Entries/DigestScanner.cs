namespace CacheRegistry.Server.Core.Entries;

/// <summary>
/// Finds SHA-256 digests (runs of exactly 64 lowercase hex characters) in content of any format as it
/// streams past, across chunk boundaries, within the first <paramref name="maxBytes"/> bytes.
/// </summary>
public sealed class DigestScanner(long maxBytes = 4 * 1024 * 1024)
{
    private readonly char[] _run = new char[64];
    private readonly HashSet<string> _found = new(StringComparer.Ordinal);
    private int _runLength;
    private long _scanned;

    public void Append(ReadOnlySpan<byte> content)
    {
        var room = (int)Math.Min(content.Length, Math.Max(0, maxBytes - _scanned));
        foreach (var b in content[..room])
        {
            if (b is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f'))
            {
                if (_runLength < _run.Length) _run[_runLength] = (char)b;
                _runLength++;
                continue;
            }
            EndRun();
        }
        _scanned += room;
    }

    /// <summary>The digests seen, once the content has ended.</summary>
    public IReadOnlySet<string> Finish()
    {
        EndRun();
        return _found;
    }

    private void EndRun()
    {
        if (_runLength == _run.Length) _found.Add(new string(_run));
        _runLength = 0;
    }
}
