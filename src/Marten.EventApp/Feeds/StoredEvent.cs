using JasperFx.Events;
using Marten.EventApp.Persistence;

namespace Marten.EventApp.Feeds;

// EventType is the stored name without a version suffix; Data is always in the current shape (read through upcasters).
public sealed record StoredEvent(
    Guid EventId,
    Guid StreamId,
    long Version,
    long Sequence,
    DateTimeOffset Timestamp,
    string EventType,
    int SchemaVersion,
    string? CorrelationId,
    string? CausationId,
    object Data)
{
    public static StoredEvent From(IEvent e) => new(
        e.Id, e.StreamId, e.Version, e.Sequence, e.Timestamp, EventSchemaVersionStamp.BaseName(e),
        EventSchemaVersionStamp.VersionOf(e), e.CorrelationId, e.CausationId, e.Data);
}
