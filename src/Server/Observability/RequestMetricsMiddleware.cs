using System.Globalization;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CacheRegistry.Server.Observability;

/// <summary>
/// Counts every request and its errors, labelled by the request's protocol (its scope), and adds that
/// label to ASP.NET Core's own http.server.request.duration (the requests' latency). Bodies pass untouched: the
/// bytes of blobs and entries are counted where they are read and written (<see cref="WireBytes"/>).
/// </summary>
public sealed class RequestMetricsMiddleware(RequestDelegate next, CacheMetrics metrics)
{
    private static readonly string[] StatusCodes = Enumerable.Range(0, 600).Select(code => code.ToString(CultureInfo.InvariantCulture)).ToArray();

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        finally
        {
            var protocol = context.Features.Get<RequestScope>()?.Protocol ?? "other";
            context.Features.Get<IHttpMetricsTagsFeature>()?.Tags.Add(new("protocol", protocol));
            var status = context.Response.StatusCode;
            metrics.Requests.Add(1, protocol, MethodLabel(context.Request.Method), StatusClass(status));
            if (status >= 400) metrics.Errors.Add(1, protocol, status < StatusCodes.Length ? StatusCodes[status] : status.ToString(CultureInfo.InvariantCulture));
        }
    }

    // Anyone can send any method; only the known ones get a series of their own.
    private static string MethodLabel(string method) =>
        HttpMethods.IsGet(method) ? HttpMethods.Get
        : HttpMethods.IsHead(method) ? HttpMethods.Head
        : HttpMethods.IsPut(method) ? HttpMethods.Put
        : HttpMethods.IsPost(method) ? HttpMethods.Post
        : HttpMethods.IsDelete(method) ? HttpMethods.Delete
        : HttpMethods.IsOptions(method) ? HttpMethods.Options
        : HttpMethods.IsPatch(method) ? HttpMethods.Patch
        : "other";

    private static string StatusClass(int status) => status switch
    {
        < 200 => "1xx",
        < 300 => "2xx",
        < 400 => "3xx",
        < 500 => "4xx",
        _ => "5xx",
    };
}
