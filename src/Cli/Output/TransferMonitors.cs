using System.Diagnostics;
using CacheRegistry.Client;
using Spectre.Console;

namespace CacheRegistry.Cli.Output;

/// <summary>Progress as the place it goes to allows: a live bar on a terminal, periodic lines in a log, or nothing.</summary>
public static class TransferMonitors
{
    public static ITransferMonitor For(CliHost host, bool quiet) =>
        quiet ? new Silent()
        : host.ErrorIsTerminal ? new TerminalMonitor(host.Error)
        : new PlainMonitor(host.Error, host.ProgressInterval);

    private sealed class Silent : ITransferMonitor, ITransferProgress
    {
        public ITransferProgress Begin(string description, long totalBytes) => this;

        public void Report(long value)
        {
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>
/// For CI logs: a line every interval while a transfer runs ("pulling acme/tool@1.2.3: 12.0 MiB of
/// 72.0 MiB (16%), 30.0 MiB/s, 2s left") and a last line when it ends, if it printed any. Quick
/// transfers print nothing.
/// </summary>
public sealed class PlainMonitor(TextWriter error, TimeSpan interval) : ITransferMonitor
{
    public ITransferProgress Begin(string description, long totalBytes) => new Transfer(error, interval, description, totalBytes);

    private sealed class Transfer(TextWriter error, TimeSpan interval, string description, long total) : ITransferProgress
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly object _gate = new();
        private long _done;
        private TimeSpan _lastLine;
        private bool _printed;

        public void Report(long value)
        {
            lock (_gate)
            {
                _done += value;
                if (_clock.Elapsed - _lastLine < interval) return;
                _lastLine = _clock.Elapsed;
                _printed = true;
                error.WriteLine($"{description}: {ProgressText.Of(_done, total, _clock.Elapsed)}");
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                if (_printed) error.WriteLine($"{description}: {Sizes.Bytes(_done)} in {Sizes.Duration(_clock.Elapsed)}");
            }
        }
    }
}

/// <summary>A live Spectre.Console bar on the terminal's stderr: bytes done and total, speed, time left. Cleared when done.</summary>
public sealed class TerminalMonitor(TextWriter error) : ITransferMonitor
{
    public ITransferProgress Begin(string description, long totalBytes) => new Transfer(error, description, totalBytes);

    // Spectre's progress display runs inside a callback; the transfer runs outside it, so the display
    // is started on its own task and told when to end.
    private sealed class Transfer : ITransferProgress
    {
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<ProgressTask> _task = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _display;

        public Transfer(TextWriter error, string description, long total)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });
            _display = console.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    _task.SetResult(context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total)));
                    await _finished.Task;
                });
        }

        public void Report(long value)
        {
            if (_task.Task.IsCompletedSuccessfully) _task.Task.Result.Increment(value);
            else _ = _task.Task.ContinueWith(t => t.Result.Increment(value), TaskContinuationOptions.OnlyOnRanToCompletion);
        }

        public void Dispose()
        {
            if (_task.Task.IsCompletedSuccessfully) _task.Task.Result.StopTask();
            _finished.TrySetResult();
            _display.GetAwaiter().GetResult();
        }
    }
}

/// <summary>"12.0 MiB of 72.0 MiB (16%), 30.0 MiB/s, 2s left".</summary>
public static class ProgressText
{
    public static string Of(long done, long total, TimeSpan elapsed)
    {
        var rate = elapsed.TotalSeconds > 0 ? done / elapsed.TotalSeconds : 0;
        var percent = total > 0 ? $" ({Math.Min(100, done * 100 / total)}%)" : "";
        var left = rate > 0 && total > done ? $", {Sizes.Duration(TimeSpan.FromSeconds((total - done) / rate))} left" : "";
        return $"{Sizes.Bytes(done)} of {Sizes.Bytes(total)}{percent}, {Sizes.Bytes(rate)}/s{left}";
    }
}
