namespace CacheRegistry.Cli;

/// <summary>What `cache` exits with; scripts rely on these (README: Exit codes).</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Error = 1;
    public const int Usage = 2;
    public const int NotFound = 3;

    /// <summary>`cache exec` of a command that exists but cannot be executed, as a shell.</summary>
    public const int CannotExecute = 126;

    /// <summary>`cache exec` of a command that does not exist, as a shell.</summary>
    public const int CommandNotFound = 127;

    /// <summary>Interrupted (Ctrl-C): 128 + SIGINT, as a shell.</summary>
    public const int Interrupted = 130;
}
