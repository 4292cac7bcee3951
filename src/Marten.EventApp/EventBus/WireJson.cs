using System.Text.Json;
using System.Text.Json.Serialization;
using Wolverine.Runtime.Serialization;

namespace Marten.EventApp.EventBus;

public static class WireJson
{
    public static readonly JsonSerializerOptions Options = Create();

    // Wolverine's serializer adds its converters to the options it gets, so each gets options of its own
    public static SystemTextJsonSerializer Serializer() => new(Create());

    private static JsonSerializerOptions Create() => new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() }
    };
}
