using System.CommandLine;
using System.Globalization;
using CacheRegistry.Common.Api;
using Spectre.Console;

namespace CacheRegistry.Cli.Commands;

/// <summary>`cache token create|list|revoke`: the operator's token management (needs an admin token).</summary>
public static class TokenCommands
{
    private static readonly string[] Permissions = ["read", "write", "delete", "admin"];

    public static Command Create(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var token = new Command("token", "Issue, list and revoke access tokens (needs a *:admin token).");
        token.Subcommands.Add(CreateCommand(run));
        token.Subcommands.Add(ListCommand(run));
        token.Subcommands.Add(RevokeCommand(run));
        return token;
    }

    private static Command CreateCommand(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var scopeOption = new Option<string>("--scope") { Description = "Comma-separated permissions: read, write, delete, admin", Required = true };
        var ttlOption = new Option<string>("--ttl") { Description = "Lifetime, e.g. 30d, 12h, 90m", DefaultValueFactory = _ => "30d" };
        var nameOption = new Option<string?>("--name") { Description = "A name to recognise the token by (default: the namespace pattern and scopes)" };
        var command = new Command("create", "Issue a token for the namespaces matching --namespace (a pattern such as ci-* or *). Prints the token.")
        {
            scopeOption, ttlOption, nameOption,
        };
        command.SetAction((result, cancellation) => run(result, async context =>
        {
            var pattern = context.NamespaceOption;
            if (string.IsNullOrEmpty(pattern)) return context.Fail(ExitCodes.Usage, "token create needs --namespace PATTERN (e.g. ci-* or *)");
            var permissions = result.GetValue(scopeOption)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (permissions.Length == 0 || permissions.Any(p => !Permissions.Contains(p)))
            {
                return context.Fail(ExitCodes.Usage, $"--scope takes a comma-separated list of {string.Join(", ", Permissions)}");
            }
            var ttl = result.GetValue(ttlOption)!;
            if (!Lifetime.TryParse(ttl, out _)) return context.Fail(ExitCodes.Usage, $"--ttl '{ttl}' is not a lifetime like 30d, 12h or 90m");

            var scopes = permissions.Select(p => $"{pattern}:{p}").ToList();
            using var client = context.CreateOperatorClient();
            var created = await client.CreateTokenAsync(
                new CreateTokenRequest(result.GetValue(nameOption) ?? string.Join(' ', scopes), scopes, ttl), cancellation);
            await context.Error.WriteLineAsync(
                $"token {created.Info.Id} ({created.Info.Name}): {string.Join(' ', created.Info.Scopes)}, expires {created.Info.ExpiresAt.ToString("u", CultureInfo.InvariantCulture)}");
            await context.Output.WriteLineAsync(created.Token);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command ListCommand(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var json = ArtifactCommands.JsonOption();
        var command = new Command("list", "List issued tokens (never the tokens themselves).") { json };
        command.SetAction((result, cancellation) => run(result, async context =>
        {
            using var client = context.CreateOperatorClient();
            var tokens = await client.ListTokensAsync(cancellation);
            if (result.GetValue(json)) return context.Json(tokens);
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var column in new[] { "id", "name", "scopes", "created by", "expires", "revoked" }) table.AddColumn(column);
            foreach (var t in tokens)
            {
                table.AddRow(Markup.Escape(t.Id), Markup.Escape(t.Name), Markup.Escape(string.Join(' ', t.Scopes)), Markup.Escape(t.CreatedBy),
                    t.ExpiresAt.ToString("u", CultureInfo.InvariantCulture), t.RevokedAt?.ToString("u", CultureInfo.InvariantCulture) ?? "");
            }
            PlainConsole.For(context.Output).Write(table);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command RevokeCommand(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var idArgument = new Argument<string>("id") { Description = "The token's id (from create or list)" };
        var command = new Command("revoke", "Revoke a token; every server refuses it within seconds.") { idArgument };
        command.SetAction((result, cancellation) => run(result, async context =>
        {
            var id = result.GetValue(idArgument)!;
            using var client = context.CreateOperatorClient();
            if (!await client.RevokeTokenAsync(id, cancellation)) return context.Fail(ExitCodes.NotFound, $"no token {id}");
            await context.Output.WriteLineAsync($"revoked {id}");
            return ExitCodes.Success;
        }));
        return command;
    }
}
