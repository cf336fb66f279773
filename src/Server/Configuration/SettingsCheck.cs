using System.Globalization;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Configuration;

/// <summary>Settings that can say what is wrong with them, each problem naming the full key, the value and what is allowed.</summary>
public interface IValidatedOptions
{
    void Check(SettingsCheck check);
}

/// <summary>Collects the problems of one options section; every message names the setting's full key.</summary>
public sealed class SettingsCheck(string section)
{
    private readonly List<string> _problems = [];

    public IReadOnlyList<string> Problems => _problems;

    public string Key(string name) => $"{section}:{name}";

    public static bool IsHttpUrl(string? text) => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    public void Fail(string name, string problem) => _problems.Add($"{Key(name)} {problem}");

    public void Range(string name, double value, double min, double max, bool minExclusive = false)
    {
        if (value > max || value < min || (minExclusive && value == min))
        {
            Fail(name, $"is {value.ToString(CultureInfo.InvariantCulture)}; it must be {(minExclusive ? "more than" : "at least")} {min.ToString(CultureInfo.InvariantCulture)} and at most {max.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    public void AtLeast(string name, long value, long min)
    {
        if (value < min) Fail(name, $"is {value}; it must be at least {min}");
    }

    public void AtLeast(string name, ByteSize value, ByteSize min)
    {
        if (value.Bytes < min.Bytes) Fail(name, $"is {value}; it must be at least {min}");
    }

    public void Positive(string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) Fail(name, $"is {value}; it must be a positive time (e.g. 00:05:00)");
    }

    public void NotNegative(string name, TimeSpan value)
    {
        if (value < TimeSpan.Zero) Fail(name, $"is {value}; it must not be negative");
    }

    public void Required(string name, string? value, string when)
    {
        if (string.IsNullOrWhiteSpace(value)) Fail(name, $"must be set {when}");
    }

    /// <summary>Checks a nested section (DataAnnotations would not look inside it).</summary>
    public void Nested(string name, IValidatedOptions options)
    {
        var nested = new SettingsCheck(Key(name));
        options.Check(nested);
        _problems.AddRange(nested.Problems);
    }
}

/// <summary>Validates any <see cref="IValidatedOptions"/> when it is first read, and at start (ValidateOnStart).</summary>
public sealed class SettingsValidator<TOptions>(string section) : IValidateOptions<TOptions> where TOptions : class, IValidatedOptions
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var check = new SettingsCheck(section);
        options.Check(check);
        return check.Problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(check.Problems);
    }
}

public static class SettingsRegistration
{
    /// <summary>Binds the section, validates it (at start, and whenever it is read) and returns the builder.</summary>
    public static OptionsBuilder<TOptions> AddSettings<TOptions>(this IServiceCollection services, string section) where TOptions : class, IValidatedOptions
    {
        services.AddSingleton<IValidateOptions<TOptions>>(new SettingsValidator<TOptions>(section));
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>Reads and validates a section now, for the choices that shape the service graph (which database, which store).</summary>
    /// <exception cref="OptionsValidationException">A setting is not valid.</exception>
    public static TOptions ReadSettings<TOptions>(this IConfiguration configuration, string section) where TOptions : class, IValidatedOptions, new()
    {
        var options = configuration.GetSection(section).Get<TOptions>() ?? new TOptions();
        var result = new SettingsValidator<TOptions>(section).Validate(null, options);
        if (result.Failed) throw new OptionsValidationException(section, typeof(TOptions), result.Failures);
        return options;
    }
}
