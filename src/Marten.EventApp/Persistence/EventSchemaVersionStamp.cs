using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using JasperFx.Events;
using Marten.EventApp.Contracts;

namespace Marten.EventApp.Persistence;

// the header tells a reader which shape of an event it holds after the type has evolved (the seed's eventVersion)
public sealed partial class EventSchemaVersionStamp : DocumentSessionListenerBase
{
    public const string Header = "schema-version";
    private static readonly ConcurrentDictionary<Type, int> Versions = new();

    public static int VersionOf(Type eventType) => Versions.GetOrAdd(eventType,
        static t => t.GetCustomAttribute<EventSchemaVersionAttribute>()?.Version ?? 1);

    // the version it was written with; its data is always read in the current shape (upcasters)
    public static int VersionOf(IEvent e) => e.GetHeader(Header) switch
    {
        JsonElement { ValueKind: JsonValueKind.Number } n => n.GetInt32(),
        IConvertible c => c.ToInt32(null),
        _ => NameSuffix().Match(e.EventTypeName) is { Success: true } m ? int.Parse(m.Groups[1].Value) : 1
    };

    public static string BaseName(IEvent e) => NameSuffix().Replace(e.EventTypeName, "");

    [GeneratedRegex(@"_v([0-9]+)$")]
    private static partial Regex NameSuffix();

    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        foreach (var stream in session.PendingChanges.Streams())
        foreach (var @event in stream.Events)
        {
            @event.SetHeader(Header, VersionOf(@event.EventType));
        }

        return Task.CompletedTask;
    }
}
