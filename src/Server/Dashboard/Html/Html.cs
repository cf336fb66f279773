using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace CacheRegistry.Server.Dashboard.Html;

/// <summary>
/// Writes HTML (and inline SVG) safely by construction: text and attribute values are always encoded,
/// tag and attribute names must be plain names written in code, and there is no way to write a string
/// as markup. Every user-controlled string (artifact names, metadata, keys) goes through here.
/// </summary>
public sealed class Html
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;
    private readonly StringBuilder _out = new(16 * 1024);

    public Html Text(string? text)
    {
        Encoder.Encode(new StringWriter(_out, CultureInfo.InvariantCulture), text ?? "");
        return this;
    }

    public Html Open(string tag, params (string Name, string? Value)[] attributes)
    {
        _out.Append('<').Append(CheckName(tag));
        foreach (var (name, value) in attributes)
        {
            if (value is null) continue;
            _out.Append(' ').Append(CheckName(name));
            if (value.Length == 0) continue; // a boolean attribute
            _out.Append("=\"");
            Text(value);
            _out.Append('"');
        }
        _out.Append('>');
        return this;
    }

    public Html Close(string tag)
    {
        _out.Append("</").Append(CheckName(tag)).Append('>');
        return this;
    }

    /// <summary>An element with text content.</summary>
    public Html Element(string tag, string? text, params (string Name, string? Value)[] attributes) => Open(tag, attributes).Text(text).Close(tag);

    /// <summary>An element without content or end tag (input, meta, link, br) or a self-closed SVG element.</summary>
    public Html Void(string tag, params (string Name, string? Value)[] attributes)
    {
        Open(tag, attributes);
        if (IsSvgLeaf(tag)) _out.Insert(_out.Length - 1, " /");
        return this;
    }

    /// <summary>Opens an element and closes it when the returned scope is disposed.</summary>
    public Scope Block(string tag, params (string Name, string? Value)[] attributes)
    {
        Open(tag, attributes);
        return new Scope(this, tag);
    }

    /// <summary>The document type, the only markup written without a name check.</summary>
    public Html Doctype()
    {
        _out.Append("<!DOCTYPE html>");
        return this;
    }

    public override string ToString() => _out.ToString();

    private static bool IsSvgLeaf(string tag) => tag is "path" or "polyline" or "line" or "circle" or "rect";

    private static string CheckName(string name)
    {
        if (name.Length == 0 || !char.IsAsciiLetter(name[0]) || !name.All(c => char.IsAsciiLetter(c) || char.IsAsciiDigit(c) || c is '-' or ':'))
        {
            throw new ArgumentException($"'{name}' is not a tag or attribute name this writer accepts", nameof(name));
        }
        return name;
    }

    public readonly struct Scope(Html html, string tag) : IDisposable
    {
        public void Dispose() => html.Close(tag);
    }
}
