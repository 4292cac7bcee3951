using System.Text.Json;
using System.Text.Json.Serialization;
using Wolverine.Runtime.Serialization;

namespace Marten.EventApp.EventBus;

/// <summary>JSON on the wire: camelCase, enums as names, names matched without case on the way in.</summary>
public static class WireJson
{
    public static readonly JsonSerializerOptions Options = Create();

    /// <summary>Wolverine's serializer adds its converters to the options it gets, so each gets options of its
    /// own.</summary>
    public static SystemTextJsonSerializer Serializer() => new(Create());

    private static JsonSerializerOptions Create() => new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() }
    };
}
