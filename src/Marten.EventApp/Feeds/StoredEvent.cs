using JasperFx.Events;
using Marten.EventApp.Persistence;

namespace Marten.EventApp.Feeds;

/// <summary>
/// An event as stored, with all of its metadata: what the stream and global feed endpoints return. <c>EventType</c> is
/// the stored name without a version suffix, <c>SchemaVersion</c> the version it was written with; <c>Data</c> is
/// always in the current shape (an older one is read through its upcaster).
/// </summary>
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
