using Alba;
using System.Diagnostics;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Users;

namespace Marten.EventApp.IntegrationTests.Operations;

// the messaging host has no OTLP endpoint
[Collection(MessagingCollection.Name)]
public sealed class when_no_trace_exporter_is_set(MessagingFixture fixture) : MessagingTest(fixture)
{
    [Fact]
    public async Task the_callers_trace_id_is_still_the_correlation_id_of_its_events()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var result = await Host.Scenario(x =>
        {
            x.WithRequestHeader("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
            x.Post.Json(new { email = UserScenarios.UniqueEmail("untraced"), firstName = "Un", lastName = "Traced" })
                .ToUrl("/api/users");
            x.StatusCodeShouldBe(201);
        });
        var user = (await result.ReadAsJsonAsync<UserVersion>())!;

        var stored = Assert.Single(await Host.StoredEvents(user.Id));
        Assert.Equal(traceId.ToString(), stored.CorrelationId);
    }
}
