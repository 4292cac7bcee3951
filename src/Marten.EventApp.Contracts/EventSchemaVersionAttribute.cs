namespace Marten.EventApp.Contracts;

/// <summary>
/// The schema version of an event type (the seed's eventVersion). Absent means 1. A changed event shape
/// gets a new version and an upcaster for the stored old shape; stored events are never edited.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EventSchemaVersionAttribute(int version) : Attribute
{
    public int Version { get; } = version;
}
