using CacheRegistry.Server;
using CacheRegistry.Server.Hosting;
using CacheRegistry.Server.Metadata;

// `CacheRegistry.Server migrate` applies database migrations and exits (for a deploy job that runs
// them before the servers start with CacheRegistry__Database__MigrateOnStartup=false).
var migrateOnly = args.Length > 0 && args[0] == "migrate";
var builder = ServerHost.CreateBuilder(migrateOnly ? args[1..] : args);
var app = ServerHost.Build(builder);

try
{
    if (migrateOnly)
    {
        await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(exclusive: false);
        return 0;
    }
    await ServerHost.StartAsync(app);
}
catch (StartupException e)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}");
    return 1;
}
await app.WaitForShutdownAsync();
return 0;
