using Alba;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Onboarding;
using Marten.EventApp.Sagas;

namespace Marten.EventApp.IntegrationTests.Onboarding;

[Collection(OnboardingCollection.Name)]
public sealed class when_monitoring_sagas(OnboardingFixture fixture) : OnboardingTest(fixture)
{
    [Fact]
    public async Task sagas_are_listed_newest_first_by_type_and_status_and_read_with_their_steps_and_timeline()
    {
        var done = await Host.RegisteredUser();
        await SagaWhen(done.Id, s => s.Status == SagaStatus.Completed);
        var failed = await Host.RegisteredUser($"fail-analytics.{Guid.NewGuid():N}@example.com");
        await SagaWhen(failed.Id, NothingUnderWay);

        var all = await Host.GetAsJson<SagaPage>("/api/sagas");
        Assert.Equal([failed.Id, done.Id], all!.Sagas.Select(s => s.Id));
        Assert.Equal(2, all.Total);
        Assert.All(all.Sagas, s => Assert.Equal("UserOnboarding", s.Type));
        var onlyFailed = await Host.GetAsJson<SagaPage>("/api/sagas?type=useronboarding&status=Failed");
        Assert.Equal((failed.Id, 1L), (Assert.Single(onlyFailed!.Sagas).Id, onlyFailed.Total));
        var completed = await Host.GetAsJson<SagaPage>("/api/sagas?status=completed");
        Assert.Equal(done.Id, Assert.Single(completed!.Sagas).Id);
        var second = await Host.GetAsJson<SagaPage>("/api/sagas?page=2&pageSize=1");
        Assert.Equal(done.Id, Assert.Single(second!.Sagas).Id);

        var details = await Host.GetAsJson<SagaDetails>($"/api/sagas/{failed.Id}");
        Assert.Equal((SagaStatus.Failed, "UserOnboarding"), (details!.Status, details.Type));
        Assert.Contains(OnboardingSteps.AnalyticsTracked, details.Error);
        Assert.Equal(4, details.Steps.Count);
        Assert.Empty(details.PendingTimeouts);
        Assert.Equal("onboarding started", details.Timeline[0].Note);
        Assert.Contains(details.Timeline, t => t.Note == "welcome_email compensated");

        foreach (var bad in new[] { "/api/sagas?type=Nope", "/api/sagas?page=0", "/api/sagas?pageSize=101",
            "/api/sagas?status=1" })
            await Host.Scenario(x => { x.Get.Url(bad); x.StatusCodeShouldBe(400); });
        var sideways = await Host.Scenario(x =>
            { x.Get.Url("/api/sagas?status=Sideways"); x.StatusCodeShouldBe(400); });
        Assert.Equal("status must be one of Started, Completed, Failed (any case).",
            (await sideways.ReadAsJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>())!.Detail);
        await Host.Scenario(x => { x.Get.Url($"/api/sagas/{Guid.NewGuid()}"); x.StatusCodeShouldBe(404); });
    }

    [Fact]
    public async Task an_operator_fires_a_pending_timeout_now_and_it_is_in_the_timeline()
    {
        var user = await Host.RegisteredUser($"silent-prefs.{Guid.NewGuid():N}@example.com");
        await SagaWhen(user.Id, s => s.Step(OnboardingSteps.AnalyticsTracked)?.Status == StepStatus.Done);

        var details = await Host.GetAsJson<SagaDetails>($"/api/sagas/{user.Id}");
        // the saga's one timer, set for the email (done): fired now, it fails the step still under way
        var timeout = Assert.Single(details!.PendingTimeouts);
        Assert.Equal((OnboardingSteps.WelcomeEmail, StepStatus.Done), (timeout.Step, timeout.StepStatus));
        var step = details.Steps.Single(s => s.Name == OnboardingSteps.WelcomeEmail);
        Assert.Equal(step.StartedAt + OnboardingFixture.StepTimeout, timeout.DueAt!.Value, TimeSpan.FromSeconds(1));

        await Host.Scenario(x =>
            { x.Post.Url($"/api/admin/sagas/{user.Id}/timeouts/{Guid.NewGuid()}/fire"); x.StatusCodeShouldBe(404); });
        await Host.Scenario(x =>
            { x.Post.Url($"/api/admin/sagas/{user.Id}/timeouts/{timeout.Id}/fire"); x.StatusCodeShouldBe(202); });

        var saga = await SagaWhen(user.Id, NothingUnderWay);
        Assert.Equal(SagaStatus.Failed, saga.Status);
        Assert.Contains("no answer within", saga.Error);
        Assert.Equal(StepStatus.Failed, saga.Step(OnboardingSteps.UserPreferences)!.Status);
        Assert.Contains(saga.Timeline, t => t.Note.StartsWith("operator fired the welcome_email timeout now"));
    }

    [Fact]
    public async Task an_operator_forces_compensation_of_a_stuck_saga_once()
    {
        var user = await Host.RegisteredUser($"silent-both.{Guid.NewGuid():N}@example.com");
        await SagaWhen(user.Id, s => s.Step(OnboardingSteps.PushNotification)?.Status == StepStatus.Running);

        await Host.Scenario(x =>
        {
            x.Post.Json(new { reason = " " }).ToUrl($"/api/admin/sagas/{user.Id}/compensate");
            x.StatusCodeShouldBe(400);
        });
        await Host.Scenario(x =>
        {
            x.Post.Json(new { reason = "stuck" }).ToUrl($"/api/admin/sagas/{Guid.NewGuid()}/compensate");
            x.StatusCodeShouldBe(404);
        });
        await Host.Scenario(x =>
        {
            x.Post.Json(new { reason = "stuck" }).ToUrl($"/api/admin/sagas/{user.Id}/compensate");
            x.StatusCodeShouldBe(202);
        });

        var saga = await SagaWhen(user.Id, NothingUnderWay);
        Assert.Equal(SagaStatus.Failed, saga.Status);
        Assert.Equal("compensation forced by an operator: stuck", saga.Error);
        Assert.Equal(StepStatus.Compensated, saga.Step(OnboardingSteps.WelcomeEmail)!.Status);
        Assert.Equal(StepStatus.Failed, saga.Step(OnboardingSteps.UserPreferences)!.Status);
        Assert.Equal(StepStatus.Failed, saga.Step(OnboardingSteps.PushNotification)!.Status);
        Assert.Empty(await Scheduled());

        await Host.Scenario(x =>
        {
            x.Post.Json(new { reason = "again" }).ToUrl($"/api/admin/sagas/{user.Id}/compensate");
            x.StatusCodeShouldBe(409);
        });
    }
}
