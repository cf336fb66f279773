using CacheRegistry.Cli;

// The first Ctrl-C cancels the running command (it cleans up and exits 130); a second one ends the process at once.
using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (interrupted.IsCancellationRequested) return;
    e.Cancel = true;
    interrupted.Cancel();
};
return await CliApp.RunAsync(args, interrupted.Token);
