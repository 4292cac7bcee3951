using System.Collections.Concurrent;
using System.Diagnostics;
using Alba;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Onboarding;
using Marten.EventApp.Operations;
using Marten.EventApp.Sagas;
using Marten.EventApp.Users;

namespace Marten.EventApp.IntegrationTests.Onboarding;

// a step sent as a durable message carries the trace in its envelope, as every Wolverine message does
[Collection(OnboardingCollection.Name)]
public sealed class when_an_onboarding_is_traced(OnboardingFixture fixture) : OnboardingTest(fixture)
{
    [Fact]
    public async Task the_saga_and_its_steps_are_in_the_registrations_trace()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Wolverine" or Telemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add
        };
        ActivitySource.AddActivityListener(listener);

        var traceId = ActivityTraceId.CreateRandom();
        var result = await Host.Scenario(x =>
        {
            x.WithRequestHeader("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
            x.Post.Json(new { email = UserScenarios.UniqueEmail("traced"), firstName = "Tra", lastName = "Ced" })
                .ToUrl("/api/users");
            x.StatusCodeShouldBe(201);
        });
        var user = (await result.ReadAsJsonAsync<UserVersion>())!;
        await SagaWhen(user.Id, s => s.Status == SagaStatus.Completed);

        var handled = await Tracking.Eventually(async () =>
        {
            await Task.Yield();
            var names = spans.Where(s => s.TraceId == traceId).Select(s => s.OperationName).ToHashSet();
            // the in-process services answer at once: each step runs in line, in a span of its own
            return OnboardingSteps.All.All(step => names.Contains($"{nameof(UserOnboardingSaga)} step {step}"))
                ? names : null;
        });
        // the trigger takes registrations in batches: each saga starts in a span of its registration's trace
        Assert.Contains($"{nameof(UserOnboardingSaga)} start", handled);
    }
}
