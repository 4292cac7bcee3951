namespace Marten.EventApp.Contracts;

// The seed's eventVersion, 1 when absent. A changed shape gets a new version and an upcaster for the stored old
// shape: stored events are never edited.
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EventSchemaVersionAttribute(int version) : Attribute
{
    public int Version { get; } = version;
}
