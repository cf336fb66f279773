using Build.Bazel.Remote.Execution.V2;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Namespaces;

namespace CacheRegistry.Server.Grpc.ActionResults;

/// <summary>
/// Every blob an ActionResult needs, worked out in one place for both doors that store action results
/// (REAPI's UpdateActionResult and Bazel's HTTP <c>PUT /ac</c>): its output files, stdout and stderr,
/// and for each output directory its Tree and every file the Tree names (or, for a directory given as
/// <c>root_directory_digest</c>, every Directory and file below it). They become the entry's references:
/// the entry is refused while any is missing, garbage collection keeps them alive with it, and the entry
/// reads as a miss once any is gone.
/// </summary>
public sealed class ActionResultBlobs(CasMessageReader messages)
{
    // Bounds the directories read for one result (a malicious or broken hierarchy must not run forever).
    private const int MaxDirectories = 100_000;

    /// <summary>The blobs, each once; those the namespace lacks are included (the write then names them as missing).</summary>
    public async Task<IReadOnlyList<ReapiBlob>> RequiredAsync(NamespaceName ns, ActionResult result, CancellationToken cancellationToken)
    {
        var required = new Blobs();
        for (var i = 0; i < result.OutputFiles.Count; i++) required.Add(ReapiBlob.From(result.OutputFiles[i].Digest, $"output_files[{i}].digest"));
        if (result.StdoutDigest is not null) required.Add(ReapiBlob.From(result.StdoutDigest, "stdout_digest"));
        if (result.StderrDigest is not null) required.Add(ReapiBlob.From(result.StderrDigest, "stderr_digest"));
        var directoriesRead = 0;
        for (var i = 0; i < result.OutputDirectories.Count; i++)
        {
            var directory = result.OutputDirectories[i];
            if (directory.TreeDigest is null && directory.RootDirectoryDigest is null)
            {
                throw Core.Errors.DomainException.Invalid($"output_directories[{i}] has neither a tree_digest nor a root_directory_digest");
            }
            if (directory.TreeDigest is not null)
            {
                var treeBlob = ReapiBlob.From(directory.TreeDigest, $"output_directories[{i}].tree_digest");
                required.Add(treeBlob);
                var tree = await messages.ReadAsync(ns, treeBlob, Tree.Parser, "the tree", cancellationToken);
                if (tree is not null)
                {
                    foreach (var node in tree.Children.Prepend(tree.Root).Where(d => d is not null)) required.AddFiles(node);
                }
            }
            if (directory.RootDirectoryDigest is not null)
            {
                directoriesRead += await AddHierarchyAsync(ns, ReapiBlob.From(directory.RootDirectoryDigest, $"output_directories[{i}].root_directory_digest"),
                    required, MaxDirectories - directoriesRead, cancellationToken);
            }
        }
        return required.All;
    }

    // A directory stored as separate Directory blobs: each of them, and every file in them.
    private async Task<int> AddHierarchyAsync(NamespaceName ns, ReapiBlob root, Blobs required, int budget, CancellationToken cancellationToken)
    {
        var pending = new Queue<ReapiBlob>([root]);
        var seen = new HashSet<Sha256Digest> { root.Digest };
        var read = 0;
        while (pending.TryDequeue(out var next))
        {
            required.Add(next);
            if (++read > budget) throw Core.Errors.DomainException.Invalid($"the output directories name more than {MaxDirectories} directories");
            var directory = await messages.ReadAsync(ns, next, Build.Bazel.Remote.Execution.V2.Directory.Parser, "the directory", cancellationToken);
            if (directory is null) continue; // missing: the write names it
            required.AddFiles(directory);
            foreach (var child in directory.Directories)
            {
                var blob = ReapiBlob.From(child.Digest, $"directory {child.Name}");
                if (seen.Add(blob.Digest)) pending.Enqueue(blob);
            }
        }
        return read;
    }

    private sealed class Blobs
    {
        private readonly Dictionary<Sha256Digest, ReapiBlob> _blobs = [];

        public IReadOnlyList<ReapiBlob> All => _blobs.Values.ToList();

        public void Add(ReapiBlob blob) => _blobs.TryAdd(blob.Digest, blob);

        public void AddFiles(Build.Bazel.Remote.Execution.V2.Directory directory)
        {
            foreach (var file in directory.Files) Add(ReapiBlob.From(file.Digest, $"file {file.Name}"));
        }
    }
}
