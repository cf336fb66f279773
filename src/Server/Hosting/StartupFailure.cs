using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Hosting;

/// <summary>
/// Turns what stops a start (a bad setting, a taken port, a directory another server holds, a database
/// that cannot be reached) into lines a person acts on, instead of a stack trace. Null for anything
/// else: that is a bug, and its details are worth seeing.
/// </summary>
public static partial class StartupFailure
{
    public static IReadOnlyList<string>? Describe(Exception exception)
    {
        switch (exception)
        {
            case StartupException e:
                return [e.Message];
            case OptionsValidationException e:
                return e.Failures.Distinct().ToList();
            case InvalidOperationException e when UnreadableSetting().Match(e.Message) is { Success: true } unreadable:
                return [$"{unreadable.Groups["key"].Value} is '{unreadable.Groups["value"].Value}'; {Expected(unreadable.Groups["type"].Value)}"];
            case IOException e when e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }:
                return [$"{e.Message.TrimEnd('.')}; stop what is listening there, or choose another address: Urls for HTTP (e.g. --Urls=http://127.0.0.1:5090), CacheRegistry:Grpc:Url for plaintext gRPC"];
            case IOException e when e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase):
                return [$"{e.Message.TrimEnd('.')}; stop what is listening there, or choose another address: Urls for HTTP (e.g. --Urls=http://127.0.0.1:5090), CacheRegistry:Grpc:Url for plaintext gRPC"];
        }
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate) return Describe(aggregate.InnerException!);
        return Innermost(exception) is Npgsql.NpgsqlException or SocketException
            ? [$"cannot reach the database: {Innermost(exception).Message} (check CacheRegistry:Database:ConnectionString)"]
            : null;
    }

    // Configuration binding's own words for a value of the wrong type.
    [System.Text.RegularExpressions.GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']*)' to type '(?<type>[^']*)'", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex UnreadableSetting();

    private static string Expected(string typeName)
    {
        var type = Type.GetType(typeName) ?? typeof(StartupFailure).Assembly.GetType(typeName);
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            { IsEnum: true } => $"it must be one of {string.Join(", ", Enum.GetNames(type))}",
            _ when type == typeof(TimeSpan) => "it must be a time like 00:05:00 (hh:mm:ss) or 1.00:00:00 (days)",
            _ when type == typeof(Configuration.ByteSize) => "it must be a size like 64GiB, 500MB or a number of bytes",
            _ when type == typeof(bool) => "it must be true or false",
            _ when type == typeof(int) || type == typeof(long) => "it must be a whole number",
            _ when type == typeof(double) => "it must be a number",
            _ => $"it must be a {type?.Name ?? typeName}",
        };
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is not null) exception = exception.InnerException;
        return exception;
    }
}
