namespace CacheRegistry.Server.Core;

/// <summary>Finds SHA-256 digests (runs of exactly 64 lowercase hex characters) in bytes of any format.</summary>
public static class DigestScanner
{
    public static HashSet<string> Find(ReadOnlySpan<byte> content)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var run = 0;
        for (var i = 0; i <= content.Length; i++)
        {
            if (i < content.Length && IsHex(content[i]))
            {
                run++;
                continue;
            }
            if (run == 64) found.Add(System.Text.Encoding.ASCII.GetString(content.Slice(i - 64, 64)));
            run = 0;
        }
        return found;
    }

    private static bool IsHex(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f');
}
