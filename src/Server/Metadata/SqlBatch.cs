using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Text;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Several SQL statements run together in one transaction (on PostgreSQL as one command, one round trip;
/// on SQLite, in process, statement by statement), with their parameters numbered in order. Each
/// statement uses {0}, {1}… for its own arguments; a <see cref="SqlList"/> argument expands to a
/// comma-separated list of parameters, for IN (…).
/// </summary>
internal sealed class SqlBatch
{
    private readonly StringBuilder _sql = new();
    private readonly StringBuilder _namedSql = new();
    private readonly List<object> _parameters = [];
    private readonly List<SqlStatement> _statements = [];

    public bool IsEmpty => _sql.Length == 0;

    /// <summary>The statements with EF Core's placeholders ({0}, {1}…), for its raw SQL methods.</summary>
    public string Sql => _sql.ToString();

    public IReadOnlyList<object> Parameters => _parameters;

    /// <summary>
    /// The statements one by one, for running each as its own command: Microsoft.Data.Sqlite looks every
    /// parameter of a command up in every statement of it, so a batch run whole costs statements × parameters.
    /// </summary>
    public IReadOnlyList<SqlStatement> Statements => _statements;

    public static string ParameterName(int index) => $"@p{index}";

    /// <remarks>A null argument is written as SQL's NULL: a raw SQL parameter carries no type to send a null with.</remarks>
    public SqlBatch Add(string statement, params object?[] arguments)
    {
        // Only arguments the statement refers to become parameters, each once however often it is used.
        var statementStart = _parameters.Count;
        _namedSql.Clear();
        Span<int> first = arguments.Length <= 32 ? stackalloc int[arguments.Length] : new int[arguments.Length];
        Span<int> count = arguments.Length <= 32 ? stackalloc int[arguments.Length] : new int[arguments.Length];
        first.Fill(-1);
        foreach (var piece in StatementTemplate.Of(statement).Pieces)
        {
            _sql.Append(piece.Text);
            _namedSql.Append(piece.Text);
            if (piece.Argument < 0) continue;
            var index = piece.Argument;
            if (first[index] < 0)
            {
                first[index] = _parameters.Count;
                switch (arguments[index])
                {
                    case null: break;
                    case SqlList list: _parameters.AddRange(list.Values); count[index] = list.Values.Count; break;
                    case var value: _parameters.Add(value); count[index] = 1; break;
                }
            }
            if (arguments[index] is null)
            {
                _sql.Append("NULL");
                _namedSql.Append("NULL");
                continue;
            }
            for (var i = 0; i < count[index]; i++)
            {
                if (i > 0)
                {
                    _sql.Append(", ");
                    _namedSql.Append(", ");
                }
                var number = first[index] + i;
                _sql.Append('{').Append(number.ToString(CultureInfo.InvariantCulture)).Append('}');
                _namedSql.Append("@p").Append((number - statementStart).ToString(CultureInfo.InvariantCulture));
            }
        }
        _sql.Append(";\n");
        _statements.Add(new SqlStatement(_namedSql.ToString(), statementStart, _parameters.Count - statementStart));
        return this;
    }

    /// <summary>A statement split once into its text and its {n} placeholders (statements are mostly constants, parsed on every write before).</summary>
    private sealed class StatementTemplate
    {
        private const int MaxCached = 1024;
        private static readonly ConcurrentDictionary<string, StatementTemplate> Cache = new(StringComparer.Ordinal);

        public required (string Text, int Argument)[] Pieces { get; init; }

        public static StatementTemplate Of(string statement)
        {
            if (Cache.TryGetValue(statement, out var template)) return template;
            template = Parse(statement);
            if (Cache.Count < MaxCached) Cache.TryAdd(statement, template);
            return template;
        }

        private static StatementTemplate Parse(string statement)
        {
            var text = statement.Trim().TrimEnd(';');
            var pieces = new List<(string, int)>();
            var literalStart = 0;
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] != '{') continue;
                var end = i + 1;
                while (end < text.Length && char.IsAsciiDigit(text[end])) end++;
                if (end == i + 1 || end >= text.Length || text[end] != '}') continue;
                pieces.Add((text[literalStart..i], int.Parse(text.AsSpan(i + 1, end - i - 1), CultureInfo.InvariantCulture)));
                literalStart = end + 1;
                i = end;
            }
            pieces.Add((text[literalStart..], -1));
            return new StatementTemplate { Pieces = [.. pieces] };
        }
    }
}

/// <summary>
/// One statement of a <see cref="SqlBatch"/>: its text with its own parameters named @p0, @p1…, which are
/// the batch's parameters from <paramref name="FirstParameter"/> on. The same statement has the same text
/// wherever it stands in a batch.
/// </summary>
internal sealed record SqlStatement(string NamedSql, int FirstParameter, int ParameterCount)
{
    /// <summary>Gives a command this statement's values of the batch's <paramref name="parameters"/>.</summary>
    public void Bind(DbCommand command, IReadOnlyList<object> parameters) => BindValues(command, parameters, FirstParameter, ParameterCount);

    /// <summary>
    /// Gives a command parameters @p0, @p1… holding <paramref name="count"/> values from <paramref name="first"/> on. A
    /// command that has as many (a prepared one, run again) keeps its parameters and takes the new values.
    /// </summary>
    public static void BindValues(DbCommand command, IReadOnlyList<object> values, int first, int count)
    {
        if (command.Parameters.Count == count)
        {
            for (var i = 0; i < count; i++) command.Parameters[i].Value = values[first + i];
            return;
        }
        command.Parameters.Clear();
        for (var i = 0; i < count; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = SqlBatch.ParameterName(i);
            parameter.Value = values[first + i];
            command.Parameters.Add(parameter);
        }
    }
}

/// <summary>Values to expand into a parameter list: <c>IN ({0})</c> with <c>new SqlList(values)</c>.</summary>
internal sealed record SqlList(IReadOnlyList<object> Values)
{
    public static SqlList Of<T>(IEnumerable<T> values) where T : notnull => new(values.Select(v => (object)v).ToList());
}
