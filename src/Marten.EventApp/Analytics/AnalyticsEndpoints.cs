using System.Globalization;
using Marten.EventApp.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Marten.EventApp.Analytics;

// as the seed names them: {EventType}_count, total_users (registrations that day), active_users at the day's end
public sealed record DailyMetrics(DateOnly Date, IReadOnlyDictionary<string, long> Metrics);

public sealed record DailyMetricsPage(DateOnly From, DateOnly To, IReadOnlyList<DailyMetrics> Days);

public sealed record BucketCount(DateTimeOffset Start, string EventType, long Count);

public sealed record EventCounts(DateTimeOffset From, DateTimeOffset To, string Bucket,
    IReadOnlyList<BucketCount> Counts);

internal static class AnalyticsEndpoints
{
    public const int MaxDays = 366;
    public const int MaxHours = 31 * 24;
    private const string Registered = "UserRegistered", Deactivated = "UserDeactivated";

    public static async Task<Results<Ok<DailyMetricsPage>, ProblemHttpResult>> Daily(
        string? from, string? to, IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        if (!TryDate(to, today, out var last)) return Problems.BadQuery("to must be a date (YYYY-MM-DD).");
        if (!TryDate(from, last.AddDays(-29),
            out var first)) return Problems.BadQuery("from must be a date (YYYY-MM-DD).");
        if (first > last) return Problems.BadQuery("from must not be after to.");
        if (last.DayNumber - first.DayNumber + 1 > MaxDays)
            return Problems.BadQuery($"At most {MaxDays} days at a time.");

        var start = Midnight(first);
        var counts = await CountsAsync(session, "day", start, Midnight(last.AddDays(1)), null, ct);
        var before = await session.QueryAsync<long>($"""
            select coalesce(sum(case event_type when '{Registered}' then count else -count end), 0)
            from {Table(session)} where hour < ? and event_type in ('{Registered}', '{Deactivated}')
            """, ct, start);

        var byDay = counts.ToLookup(c => DateOnly.FromDateTime(c.Start.UtcDateTime));
        var active = before.Single();
        var days = new List<DailyMetrics>();
        for (var day = first; day <= last; day = day.AddDays(1))
        {
            var metrics = byDay[day].ToDictionary(c => $"{c.EventType}_count", c => c.Count);
            var registered = metrics.GetValueOrDefault($"{Registered}_count");
            active += registered - metrics.GetValueOrDefault($"{Deactivated}_count");
            metrics["total_users"] = registered;
            metrics["active_users"] = active;
            days.Add(new DailyMetrics(day, metrics));
        }

        return TypedResults.Ok(new DailyMetricsPage(first, last, days));
    }

    public static async Task<Results<Ok<EventCounts>, ProblemHttpResult>> Events(
        string? from, string? to, string? bucket, string? type, IQuerySession session, TimeProvider clock,
        CancellationToken ct)
    {
        var hourly = bucket is null or "hour";
        if (!hourly && bucket != "day") return Problems.BadQuery("bucket must be hour or day.");
        var now = clock.GetUtcNow();
        if (!TryInstant(to, now, out var end)) return Problems.BadQuery("to must be a date or a date-time (ISO 8601).");
        if (!TryInstant(from, end.AddDays(-1),
            out var start)) return Problems.BadQuery("from must be a date or a date-time (ISO 8601).");
        if (start >= end) return Problems.BadQuery("from must be before to.");
        if (hourly ? end - start > TimeSpan.FromHours(MaxHours) : end - start > TimeSpan.FromDays(MaxDays))
            return Problems.BadQuery(hourly
                ? $"At most {MaxHours / 24} days by the hour."
                : $"At most {MaxDays} days by the day.");
        if (type is { Length: > 200 }) return Problems.BadQuery("type is too long.");

        var unit = hourly ? "hour" : "day";
        var counts = await CountsAsync(session, unit, Truncate(start, hourly), end, type, ct);
        return TypedResults.Ok(new EventCounts(start, end, unit, counts));
    }

    private static async Task<IReadOnlyList<BucketCount>> CountsAsync(IQuerySession session, string unit,
        DateTimeOffset start,
        DateTimeOffset end, string? type, CancellationToken ct) =>
        await session.QueryAsync<BucketCount>($"""
            select jsonb_build_object('start', b, 'eventType', event_type, 'count', n) from (
              select date_trunc('{unit}', hour, 'UTC') as b, event_type, sum(count) as n
              from {Table(session)} where hour >= ? and hour < ? and (?::text is null or event_type = ?)
              group by 1, 2 order by 1, 2) c
            """, ct, start, end, (object?)type ?? DBNull.Value, (object?)type ?? DBNull.Value);

    private static string Table(IQuerySession session) =>
        $"{session.DocumentStore.Options.DatabaseSchemaName}.analytics_hourly";

    private static DateTimeOffset Midnight(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    // a range that starts inside a bucket counts that whole bucket: buckets are what is stored
    private static DateTimeOffset Truncate(DateTimeOffset t, bool hourly)
    {
        var utc = t.ToUniversalTime();
        return hourly ? new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero)
            : new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero);
    }

    private static bool TryDate(string? text, DateOnly fallback, out DateOnly value)
    {
        value = fallback;
        return text is null || DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture,
            DateTimeStyles.None, out value);
    }

    private static bool TryInstant(string? text, DateTimeOffset fallback, out DateTimeOffset value)
    {
        value = fallback;
        if (text is null) return true;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            value = Midnight(day);
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }
}
