using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.EventBus;
using Marten.Events.Projections;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Marten.EventApp.Analytics;

// The seed's event analytics and daily metrics. A page of events is one SQL statement (arrays unnested) so a rebuild
// keeps up (BENCHMARKS.md, 7); rows keyed by event id and counts grown only by rows really inserted, so an event
// applied twice is counted once and a rebuild gives exactly the live run's numbers.
public sealed class AnalyticsProjection : EventProjection, IJasperFxProjection<IDocumentOperations>
{
    public const string ProjectionName = "Analytics";
    private readonly Func<WireFormat> _wire;
    private readonly string _insert;

    public AnalyticsProjection(string schema, Func<WireFormat> wire)
    {
        _wire = wire;
        Name = ProjectionName;
        Events = new Table(new PostgresqlObjectName(schema, "analytics_events", SchemaUtils.IdentifierUsage.General));
        Events.AddColumn<Guid>("event_id").AsPrimaryKey();
        Events.AddColumn<string>("event_type").NotNull();
        Events.AddColumn<Guid>("aggregate_id").NotNull();
        Events.AddColumn<string>("aggregate_type");
        Events.AddColumn("occurred_on", "timestamptz").NotNull();
        Events.AddColumn("day", "date").NotNull();
        Events.AddColumn("hour", "timestamptz").NotNull();

        Hourly = new Table(new PostgresqlObjectName(schema, "analytics_hourly", SchemaUtils.IdentifierUsage.General));
        Hourly.AddColumn("hour", "timestamptz").AsPrimaryKey();
        Hourly.AddColumn<string>("event_type").AsPrimaryKey();
        Hourly.AddColumn<long>("count").NotNull();

        SchemaObjects.Add(Events);
        SchemaObjects.Add(Hourly);
        Options.DeleteDataInTableOnTeardown(Events.Identifier.QualifiedName);
        Options.DeleteDataInTableOnTeardown(Hourly.Identifier.QualifiedName);
        // larger pages: fewer statements and round trips in a rebuild
        Options.BatchSize = 5_000;

        _insert = $"""
            with inserted as (
              insert into {Events.Identifier} (event_id, event_type, aggregate_id, aggregate_type, occurred_on, day,
                hour)
              select p.id, p.type, p.aggregate, p.aggregate_type, p.at, p.day, p.hour
              from unnest(?::uuid[], ?::text[], ?::uuid[], ?::text[], ?::timestamptz[], ?::date[], ?::timestamptz[])
                as p(id, type, aggregate, aggregate_type, at, day, hour)
              on conflict (event_id) do nothing
              returning hour, event_type)
            insert into {Hourly.Identifier} as h (hour, event_type, count)
            select hour, event_type, count(*) from inserted group by hour, event_type
            on conflict (hour, event_type) do update set count = h.count + excluded.count
            """;
    }

    public Table Events { get; }
    public Table Hourly { get; }

    Task IJasperFxProjection<IDocumentOperations>.ApplyAsync(IDocumentOperations operations,
        IReadOnlyList<IEvent> events,
        CancellationToken cancellation)
    {
        Queue(operations, events);
        return Task.CompletedTask;
    }

    // the daemon hands over whole pages (above); this is the one-event path the base class asks for
    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        Queue(operations, [e]);
        return ValueTask.CompletedTask;
    }

    private void Queue(IDocumentOperations operations, IReadOnlyList<IEvent> events)
    {
        if (events.Count == 0) return;
        var wire = _wire();
        var ids = new Guid[events.Count];
        var types = new string[events.Count];
        var aggregates = new Guid[events.Count];
        var aggregateTypes = new string?[events.Count];
        var times = new DateTimeOffset[events.Count];
        var days = new DateOnly[events.Count];
        var hours = new DateTimeOffset[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            ids[i] = e.Id;
            types[i] = wire.NameOf(e.EventType);
            aggregates[i] = e.StreamId;
            aggregateTypes[i] = e.AggregateTypeName;
            // when it occurred, as the seed buckets it: the domain event's own time, else when it was stored
            var at = (e.Data is IDomainEvent domain ? domain.OccurredOn : e.Timestamp).ToUniversalTime();
            times[i] = at;
            // the UTC buckets here rather than in SQL: PostgreSQL's time zone arithmetic per row cost the rebuild
            days[i] = DateOnly.FromDateTime(at.UtcDateTime);
            hours[i] = new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, 0, 0, TimeSpan.Zero);
        }

        operations.QueueSqlCommand(_insert, ids, types, aggregates, aggregateTypes, times, days, hours);
    }
}
