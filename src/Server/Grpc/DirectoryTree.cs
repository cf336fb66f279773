using System.Runtime.CompilerServices;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Namespaces;
using Directory = Build.Bazel.Remote.Execution.V2.Directory;

namespace CacheRegistry.Server.Grpc;

/// <summary>
/// Walks a directory hierarchy stored as Directory blobs, breadth first from the root, children in the
/// order their parent lists them, each distinct directory once: the same order every time for the same
/// root, which is what GetTree's page tokens count on. Directories the CAS lacks are left out with what
/// is below them, as REAPI says for GetTree.
/// </summary>
public sealed class DirectoryTree(CasMessageReader messages)
{
    public async IAsyncEnumerable<Directory> WalkAsync(NamespaceName ns, ReapiBlob rootBlob, Directory root,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<Sha256Digest> { rootBlob.Digest };
        var pending = new Queue<ReapiBlob>(); // digests, not directories: a wide level is not held in memory
        var directory = root;
        while (true)
        {
            yield return directory;
            foreach (var child in directory.Directories)
            {
                var blob = ReapiBlob.From(child.Digest, $"directory {child.Name}");
                if (seen.Add(blob.Digest)) pending.Enqueue(blob);
            }
            Directory? next = null;
            while (next is null && pending.TryDequeue(out var blob)) next = await messages.ReadAsync(ns, blob, Directory.Parser, "the directory", cancellationToken);
            if (next is null) yield break;
            directory = next;
        }
    }
}
