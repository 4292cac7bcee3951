using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Marten.EventApp.Http;

public static class Versioning
{
    public static string ETag(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    // a malformed If-Match is an error rather than ignored, so a client never writes unguarded by mistake
    public static (long? Expected, bool FromIfMatch, string? Error) Expected(HttpRequest request, long? fromBody)
    {
        var header = request.Headers.IfMatch;
        if (header.Count == 0) return (fromBody, false, null);

        if (!EntityTagHeaderValue.TryParseList(header, out var tags) || tags.Count != 1)
            return (null, true, "If-Match must hold one entity tag, such as \"3\".");
        var tag = tags[0];
        if (tag.Equals(EntityTagHeaderValue.Any)) return (fromBody, true, null);
        if (tag.IsWeak || !long.TryParse(tag.Tag.AsSpan(1, tag.Tag.Length - 2), NumberStyles.None,
            CultureInfo.InvariantCulture, out var version))
            return (null, true, "If-Match must be a strong entity tag holding a version, such as \"3\".");
        if (fromBody is not null && fromBody != version)
            return (null, true, "If-Match and expectedVersion disagree.");
        return (version, true, null);
    }

    public static ProblemDetails Mismatch(bool fromIfMatch, long? currentVersion)
    {
        var problem = new ProblemDetails
        {
            Status = fromIfMatch ? StatusCodes.Status412PreconditionFailed : StatusCodes.Status409Conflict,
            Title = "The expected version does not match",
            Detail = "The resource was changed by another request."
        };
        if (currentVersion is not null) problem.Extensions["currentVersion"] = currentVersion;
        return problem;
    }
}
