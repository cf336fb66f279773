using CacheRegistry.Server;
using CacheRegistry.Server.Hosting;
using CacheRegistry.Server.Metadata;

if (args.Contains("--help") || args.Contains("-h") || args.Contains("-?"))
{
    Console.Out.Write(ServerHelp.Text());
    return 0;
}
if (args.Contains("--version"))
{
    Console.Out.WriteLine(ServerHelp.VersionLine);
    return 0;
}

// `CacheRegistry.Server migrate` applies database migrations and exits (for a deploy job that runs
// them before the servers start with CacheRegistry__Database__MigrateOnStartup=false).
var migrateOnly = args.Length > 0 && args[0] == "migrate";
try
{
    var builder = ServerHost.CreateBuilder(migrateOnly ? args[1..] : args);
    var socketThreads = SocketThreadHosting.SocketThreadCount(builder.Configuration);
    if (socketThreads > 0) builder.WebHost.UseSocketThreads(socketThreads);
    var app = ServerHost.Build(builder);
    if (migrateOnly)
    {
        await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(exclusive: false);
        return 0;
    }
    await ServerHost.StartAsync(app);
    await app.WaitForShutdownAsync();
    return 0;
}
catch (Exception e) when (StartupFailure.Describe(e) is { } lines)
{
    foreach (var line in lines) await Console.Error.WriteLineAsync($"error: {line}");
    return 1;
}
