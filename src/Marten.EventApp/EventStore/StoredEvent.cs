using JasperFx.Events;
using Marten.EventApp.Persistence;

namespace Marten.EventApp.EventStore;

/// <summary>An event as stored, with all of its metadata: what the stream and global feed endpoints return.</summary>
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
        e.Id, e.StreamId, e.Version, e.Sequence, e.Timestamp, e.EventTypeName,
        EventSchemaVersionStamp.VersionOf(e), e.CorrelationId, e.CausationId, e.Data);
}
