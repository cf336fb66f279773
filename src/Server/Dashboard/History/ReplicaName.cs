using System.Security.Cryptography;

namespace CacheRegistry.Server.Dashboard.History;

/// <summary>
/// This server's name in the history: the host, the process and a random part, so that two servers
/// never add to the same rows (not even two in one process, or two containers with the same process id).
/// </summary>
public sealed class ReplicaName
{
    public string Value { get; } = Shorten($"{Environment.MachineName}-{Environment.ProcessId}") + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    private static string Shorten(string text) => text.Length <= 48 ? text : text[..48];
}
