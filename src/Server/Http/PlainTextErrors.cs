namespace CacheRegistry.Server.Http;

/// <summary>Endpoint metadata: this protocol's clients want error messages as text/plain, not problem JSON.</summary>
public sealed class PlainTextErrors
{
    public static readonly PlainTextErrors Instance = new();

    private PlainTextErrors() { }
}
