namespace CacheRegistry.Server.Hosting;

/// <summary>The server cannot start as configured; the message says why and what to do, in one line.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
