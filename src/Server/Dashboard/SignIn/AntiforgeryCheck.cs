using CacheRegistry.Server.Http;
using Microsoft.AspNetCore.Antiforgery;

namespace CacheRegistry.Server.Dashboard.SignIn;

/// <summary>
/// Every dashboard action that changes state carries this filter: the form must hold the antiforgery
/// token of the page it came from, matching the antiforgery cookie; otherwise it is refused (400) and
/// nothing happens. With SameSite=Strict cookies this is the second line of defence, not the only one.
/// </summary>
public sealed class AntiforgeryCheck(IAntiforgery antiforgery) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(context.HttpContext);
        }
        catch (AntiforgeryValidationException)
        {
            throw CacheRequestException.BadRequest("the form did not come from this dashboard or is out of date (antiforgery check failed): reload the page and try again");
        }
        return await next(context);
    }
}
