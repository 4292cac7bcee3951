using System.Net;
using Alba;
using Marten.EventApp.IntegrationTests.Users;

namespace Marten.EventApp.IntegrationTests.Operations;

// a listener poses as the collector the standard OTLP variables name
[Collection(OwnHostsCollection.Name)]
public sealed class when_traces_are_exported
{
    [Fact]
    public async Task spans_go_to_the_collector_of_otel_exporter_otlp_endpoint()
    {
        var port = FreePorts.Next();
        using var collector = new HttpListener { Prefixes = { $"http://127.0.0.1:{port}/" } };
        collector.Start();
        var traces = ReceiveAsync(collector, "/v1/traces");
        var schema = "eventapp_otlp_" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using var host = await TestHost.StartAsync(schema, settings: new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}",
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "200"
            });
            await host.RegisteredUser();

            var (contentType, length) = await traces.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal("application/x-protobuf", contentType);
            Assert.True(length > 0);
        }
        finally
        {
            await TestDatabase.DropSchemaAsync(schema);
        }
    }

    // answered 200 as a collector does; other requests are answered and skipped
    private static async Task<(string? ContentType, long Length)> ReceiveAsync(HttpListener listener, string path)
    {
        while (true)
        {
            var context = await listener.GetContextAsync();
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var request = (context.Request.Url!.AbsolutePath, context.Request.ContentType, body.Length);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
            if (request.AbsolutePath == path) return (request.ContentType, request.Length);
        }
    }
}
