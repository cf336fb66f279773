using System.ComponentModel;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CacheRegistry.Server.Configuration;

/// <summary>
/// A size in bytes that settings may write as a person reads it: <c>64GiB</c>, <c>256 MiB</c>, <c>5MB</c>,
/// <c>1.5GB</c> or a plain number of bytes. KiB, MiB… are powers of 1024; KB, MB… powers of 1000.
/// </summary>
[TypeConverter(typeof(ByteSizeConverter))]
public readonly partial record struct ByteSize(long Bytes)
{
    private static readonly (string Unit, long Factor)[] Units =
    [
        ("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10),
        ("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000), ("B", 1),
    ];

    public static implicit operator long(ByteSize size) => size.Bytes;

    public static ByteSize FromMiB(long mebibytes) => new(mebibytes << 20);

    public static bool TryParse(string? text, out ByteSize size)
    {
        size = default;
        var match = Pattern().Match(text?.Trim() ?? "");
        if (!match.Success || !decimal.TryParse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)) return false;
        var unit = match.Groups["unit"].Value;
        var factor = unit.Length == 0 ? 1 : Units.FirstOrDefault(u => u.Unit.Equals(unit, StringComparison.OrdinalIgnoreCase)).Factor;
        if (factor == 0 || number * factor > long.MaxValue) return false;
        size = new ByteSize((long)(number * factor));
        return true;
    }

    /// <summary>The largest unit that writes the size exactly (<c>64 GiB</c>), else bytes.</summary>
    public override string ToString()
    {
        if (Bytes == 0) return "0";
        foreach (var (unit, factor) in Units.Where(u => u.Unit.EndsWith("iB", StringComparison.Ordinal)))
        {
            if (Bytes % factor == 0) return $"{Bytes / factor} {unit}";
        }
        return Bytes.ToString(CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^(?<number>\d+(\.\d+)?)\s*(?<unit>[A-Za-z]*)$")]
    private static partial Regex Pattern();
}

/// <summary>Lets configuration binding read a <see cref="ByteSize"/> from text.</summary>
public sealed class ByteSizeConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) => sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text
            ? ByteSize.TryParse(text, out var size) ? size : throw new FormatException($"'{text}' is not a size (write e.g. 64GiB, 500MB or a number of bytes)")
            : base.ConvertFrom(context, culture, value);

    public override bool CanConvertTo(ITypeDescriptorContext? context, Type? destinationType) => destinationType == typeof(string) || base.CanConvertTo(context, destinationType);

    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        destinationType == typeof(string) && value is ByteSize size ? size.ToString() : base.ConvertTo(context, culture, value, destinationType);
}
