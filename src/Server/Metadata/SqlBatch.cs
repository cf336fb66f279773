using System.Text;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Several SQL statements sent as one command (one round trip), with their parameters numbered in
/// order. Each statement uses {0}, {1}… for its own arguments; a <see cref="SqlList"/> argument
/// expands to a comma-separated list of parameters, for IN (…).
/// </summary>
internal sealed partial class SqlBatch
{
    private readonly StringBuilder _sql = new();
    private readonly List<object> _parameters = [];

    public bool IsEmpty => _sql.Length == 0;

    public string Sql => _sql.ToString();

    public IReadOnlyList<object> Parameters => _parameters;

    /// <summary>The statements with named parameters (@p0, @p1…), for running them on a plain ADO.NET command.</summary>
    public string NamedSql => Placeholder().Replace(Sql, match => ParameterName(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));

    public static string ParameterName(int index) => $"@p{index}";

    /// <remarks>A null argument is written as SQL's NULL: a raw SQL parameter carries no type to send a null with.</remarks>
    public SqlBatch Add(string statement, params object?[] arguments)
    {
        // Only arguments the statement refers to become parameters, each once however often it is used.
        var names = new Dictionary<int, string>();
        var text = Placeholder().Replace(statement, match =>
        {
            var index = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (!names.TryGetValue(index, out var name))
            {
                name = arguments[index] switch
                {
                    null => "NULL",
                    SqlList list => string.Join(", ", list.Values.Select(Parameter)),
                    var value => Parameter(value),
                };
                names[index] = name;
            }
            return name;
        });
        _sql.Append(text.Trim().TrimEnd(';')).Append(";\n");
        return this;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\{(\d+)\}")]
    private static partial System.Text.RegularExpressions.Regex Placeholder();

    private string Parameter(object value)
    {
        _parameters.Add(value);
        return $"{{{_parameters.Count - 1}}}";
    }
}

/// <summary>Values to expand into a parameter list: <c>IN ({0})</c> with <c>new SqlList(values)</c>.</summary>
internal sealed record SqlList(IReadOnlyList<object> Values)
{
    public static SqlList Of<T>(IEnumerable<T> values) where T : notnull => new(values.Select(v => (object)v).ToList());
}
