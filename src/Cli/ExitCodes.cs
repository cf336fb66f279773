namespace CacheRegistry.Cli;

public static class ExitCodes
{
    public const int Success = 0;
    public const int Error = 1;
    public const int Usage = 2;
    public const int NotFound = 3;
}
