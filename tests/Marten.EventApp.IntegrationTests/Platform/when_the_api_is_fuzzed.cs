using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;

namespace Marten.EventApp.IntegrationTests.Platform;

// random variants of every OpenAPI operation's parameters and body; a failure names the seed, the request and the
// answer, so it can be replayed
[Collection(OwnHostsCollection.Name)]
public sealed class when_the_api_is_fuzzed : IAsyncLifetime
{
    private const int VariantsPerOperation = 12;
    // a bound that fails only on a catastrophe (a backtracking pattern, a walk of a whole table), not on a slow machine
    private static readonly TimeSpan Catastrophe = TimeSpan.FromSeconds(3);

    private readonly string _schema = "eventapp_fuzz_" + Guid.NewGuid().ToString("N")[..8];
    private IAlbaHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(_schema);

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await TestDatabase.DropSchemaAsync(_schema);
    }

    [Fact]
    public async Task no_operation_answers_a_500_or_holds_the_server()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var document = JsonNode.Parse(await _host.Server.CreateClient().GetStringAsync("/openapi/v1.json"))!;
        var client = _host.AdminClient();
        var failures = new List<string>();
        var sent = 0;

        foreach (var (path, item) in document["paths"]!.AsObject())
        foreach (var (method, operation) in item!.AsObject())
        {
            if (operation is not JsonObject op || method is "parameters") continue;
            for (var i = 0; i < VariantsPerOperation; i++)
            {
                using var request = Variant(random, method.ToUpperInvariant(), path, op, document);
                var described = $"{request.Method} {request.RequestUri}";
                var clock = Stopwatch.StartNew();
                using var response = await client.SendAsync(request);
                clock.Stop();
                sent++;
                if ((int)response.StatusCode >= 500)
                    failures.Add($"{described} → {(int)response.StatusCode}: " +
                        $"{Shorten(await response.Content.ReadAsStringAsync())}");
                else if (clock.Elapsed > Catastrophe)
                    failures.Add($"{described} took {clock.Elapsed.TotalSeconds:0.0} s");
            }
        }

        Assert.True(sent > 100, $"only {sent} requests: the document lists fewer operations than expected");
        Assert.True(failures.Count == 0,
            $"seed {seed}, {failures.Count} of {sent} requests:\n" + string.Join("\n", failures.Take(20)));
    }

    private static HttpRequestMessage Variant(Random random, string method, string path, JsonObject operation,
        JsonNode document)
    {
        var parameters = operation["parameters"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
        var url = new StringBuilder(System.Text.RegularExpressions.Regex.Replace(path, @"\{([^}]+)\}",
            m => Uri.EscapeDataString(PathValue(random,
                Type(parameters.FirstOrDefault(p => (string?)p["name"] == m.Groups[1].Value)?["schema"], document)))));
        var separator = '?';
        foreach (var query in parameters.Where(p => (string?)p["in"] == "query" && random.Next(3) > 0))
        {
            url.Append(separator).Append(Uri.EscapeDataString((string)query["name"]!)).Append('=')
                .Append(Uri.EscapeDataString(Value(random, Type(query["schema"], document)).ToJsonString().Trim('"')));
            separator = '&';
        }

        var request = new HttpRequestMessage(new HttpMethod(method), url.ToString());
        if (operation["requestBody"]?["content"]?["application/json"]?["schema"] is { } schema)
            request.Content = new StringContent(Body(random, schema, document), Encoding.UTF8, "application/json");
        return request;
    }

    private static string Body(Random random, JsonNode schema, JsonNode document) => random.Next(10) switch
    {
        0 => "{\"a\":" + new string('[', 5_000),
        1 => "[]",
        2 => "null",
        _ => Value(random, schema, document, depth: 0).ToJsonString()
    };

    private static JsonNode Value(Random random, JsonNode? schema, JsonNode? document = null, int depth = 0)
    {
        schema = document is null ? schema : Resolve(schema, document);
        if (random.Next(6) == 0 || depth > 3) return Any(random);
        var type = schema?["type"] is JsonArray types ? (string?)types.FirstOrDefault(t =>
            (string?)t != "null") : (string?)schema?["type"];
        if (schema?["properties"] is JsonObject properties && document is not null)
        {
            var result = new JsonObject();
            foreach (var (name, property) in properties)
                if (random.Next(4) > 0) result[name] = Value(random, property, document, depth + 1);
            return result;
        }

        return type switch
        {
            "integer" or "number" =>
                JsonValue.Create(Pick(random,
                [-1L, 0L, 1L, int.MaxValue, (long)int.MaxValue + 1, long.MaxValue, -long.MaxValue]))!,
            "boolean" => JsonValue.Create(random.Next(2) == 0)!,
            // a long array only at the top: nested ones would multiply
            "array" => new JsonArray(Enumerable.Range(0,
                depth == 0 ? Pick(random, [0, 1, 3, 1_000]) : Pick(random, [0, 1, 3]))
                .Select(_ => Value(random, schema?["items"], document, depth + 1)).ToArray()),
            _ => JsonValue.Create(Text(random, (string?)schema?["format"]))!
        };
    }

    private static JsonNode Any(Random random) => random.Next(5) switch
    {
        0 => JsonValue.Create(Text(random, null))!,
        1 => JsonValue.Create(-1)!,
        2 => new JsonObject { ["x"] = new JsonArray() },
        3 => JsonValue.Create(1e308)!,
        _ => new JsonArray(JsonValue.Create("a"))
    };

    private static string Text(Random random, string? format) => random.Next(9) switch
    {
        0 => "",
        1 => new string('a', 300_000),
        2 => "a\u0000b\u001b[31m",
        3 => "a@" + new string('.', 50_000) + "@",
        4 => "9999-12-31T23:59:59Z",
        5 => "2026-13-45",
        6 => Guid.NewGuid().ToString(),
        7 => string.Concat(Enumerable.Repeat("ü𝄞", 5_000)),
        _ => format switch { "uuid" => Guid.NewGuid().ToString(), "date-time" => "2026-12-06T10:00:00Z",
            "date" => "2026-12-06", _ => "abc" }
    };

    private static string PathValue(Random random, JsonNode? schema) => random.Next(4) switch
    {
        0 => Value(random, schema).ToJsonString().Trim('"') is { Length: > 0 and < 2_000 } v ? v : "x",
        1 => Guid.NewGuid().ToString(),
        2 => new string('z', 1_500),
        _ => "-1"
    };

    private static JsonNode? Type(JsonNode? schema, JsonNode document) => Resolve(schema, document);

    private static JsonNode? Resolve(JsonNode? schema, JsonNode document)
    {
        for (var i = 0; i < 5 && schema?["$ref"] is { } reference; i++)
            schema = ((string)reference!).TrimStart('#', '/').Split('/')
                .Aggregate((JsonNode?)document, (node, part) => node?[part]);
        return schema;
    }

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
