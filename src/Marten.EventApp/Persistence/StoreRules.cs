using JasperFx;
using Marten.EventApp.Contracts.Commands;
using Marten.Exceptions;
using Npgsql;

namespace Marten.EventApp.Persistence;

public sealed record UniqueRule(string ConstraintName, string Title, string Detail);

// Violations PostgreSQL raises in the append's transaction are refusals or lost races, told apart from real failures.
public sealed class StoreRules(IEnumerable<UniqueRule> uniqueRules)
{
    // Quick appends detect a concurrent writer by this primary key (Marten raises ConcurrencyException for it)
    private const string EventVersionKey = "pk_mt_events_stream_and_version";
    private const string StreamKey = "pk_mt_streams_id";
    private readonly Dictionary<string, UniqueRule> _rules = uniqueRules.ToDictionary(r => r.ConstraintName,
        StringComparer.Ordinal);

    public Rejection? RefusalFor(Exception exception)
    {
        foreach (var e in Chain(exception))
        {
            switch (e)
            {
                case ExistingStreamIdCollisionException collision:
                    return Rejection.Conflict("The resource already exists", $"Stream {collision.Id} already exists.");
                case PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } unique
                    when unique.ConstraintName is { } name && _rules.TryGetValue(name, out var rule):
                    return Rejection.Conflict(rule.Title, rule.Detail);
            }
        }

        return null;
    }

    public bool IsExpected(Exception exception) => Chain(exception).Any(e => e switch
    {
        ConcurrencyException or ExistingStreamIdCollisionException => true,
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: { } name } =>
            name is EventVersionKey or StreamKey || _rules.ContainsKey(name),
        _ => false
    });

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain)) yield return inner;
        }
    }
}
