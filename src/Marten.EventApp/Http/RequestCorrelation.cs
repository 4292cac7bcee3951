using System.Diagnostics;
using Wolverine;

namespace Marten.EventApp.Http;

public static class RequestCorrelation
{
    public const string CorrelationHeader = "X-Correlation-ID";
    public const string CausationHeader = "X-Causation-ID";
    private const int MaxIdLength = 128;

    // Wolverine copies both onto the Marten session, and so onto every event
    public static DeliveryOptions From(HttpContext http) => new()
    {
        CorrelationId = Header(http, CorrelationHeader) ?? Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier,
        CausationId = Header(http, CausationHeader) ?? http.TraceIdentifier
    };

    private static string? Header(HttpContext http, string name)
    {
        var value = http.Request.Headers[name].ToString().Trim();
        return value.Length is > 0 and <= MaxIdLength ? value : null;
    }
}
