using Alba;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Onboarding;
using Marten.EventApp.Sagas;
using Marten.EventApp.Users;
using Wolverine.Persistence.Durability.ScheduledMessageManagement;

namespace Marten.EventApp.IntegrationTests.Onboarding;

[Collection(OnboardingCollection.Name)]
public sealed class when_a_user_is_onboarded(OnboardingFixture fixture) : OnboardingTest(fixture)
{
    [Fact]
    public async Task registration_runs_every_step_in_the_seeds_order_and_completes_on_its_own_stream()
    {
        var user = await Host.RegisteredUser();

        var saga = await SagaWhen(user.Id, s => s.Status == SagaStatus.Completed);

        Assert.Equal(OnboardingSteps.All.Order(), saga.Steps.Select(s => s.Name).Order());
        Assert.All(saga.Steps, s => Assert.Equal(StepStatus.Done, s.Status));
        var step = saga.Steps.ToDictionary(s => s.Name);
        // preferences and push start once the email is sent; analytics once the push is sent
        Assert.True(step[OnboardingSteps.UserPreferences].StartedAt >= step[OnboardingSteps.WelcomeEmail].DoneAt);
        Assert.True(step[OnboardingSteps.PushNotification].StartedAt >= step[OnboardingSteps.WelcomeEmail].DoneAt);
        Assert.True(step[OnboardingSteps.AnalyticsTracked].StartedAt >= step[OnboardingSteps.PushNotification].DoneAt);
        Assert.Equal(saga.CompletedAt, step.Values.Max(s => s.DoneAt));

        var completed = Assert.Single((await OnboardingEvents(user.Id)).OfType<OnboardingCompleted>());
        Assert.Equal(saga.CompletedAt, completed.CompletedAt);
        // the user's stream, version and ETag are the client's alone: the ETag from the registration still holds
        Assert.Single(await StreamEvents(user.Id));
        var read = await Host.Scenario(x => x.Get.Url($"/api/users/{user.Id}"));
        var details = await read.ReadAsJsonAsync<UserDetails>();
        Assert.Equal((1L, "Completed", "\"1\""),
            (details!.Version, details.Onboarding, read.Context.Response.Headers.ETag.ToString()));
        await Host.Scenario(x =>
        {
            x.Patch.Json(new { firstName = "Grace" }).ToUrl($"/api/users/{user.Id}");
            x.WithRequestHeader("If-Match", "\"1\"");
            x.StatusCodeShouldBeOk();
        });
        Assert.All(saga.Steps, s => Assert.Null(s.TimeoutId));
        Assert.Empty(await Scheduled());

        var preferences = await (await Host.Scenario(x => x.Get.Url($"/api/users/{user.Id}/preferences")))
            .ReadAsJsonAsync<UserPreferences>();
        Assert.Equal((user.Id, true, true),
            (preferences!.Id, preferences.EmailNotifications, preferences.PushNotifications));
        var activity = await Host.ActivityOf(user.Id, count: 5);
        Assert.Equal(["UserRegistered", "WelcomeEmailSent", "PushNotificationSent", "RegistrationAnalyticsTracked",
            "OnboardingCompleted"],
            activity.Select(a => a.EventType).Take(5)); // then the profile update above
    }

    [Fact]
    public async Task a_step_that_keeps_failing_fails_the_saga_and_compensates_the_done_steps_last_first()
    {
        var user = await Host.RegisteredUser($"fail-analytics.{Guid.NewGuid():N}@example.com");

        var saga = await SagaWhen(user.Id, NothingUnderWay);

        Assert.Equal(SagaStatus.Failed, saga.Status);
        Assert.Contains(OnboardingSteps.AnalyticsTracked, saga.Error);
        var analytics = saga.Step(OnboardingSteps.AnalyticsTracked)!;
        Assert.Equal(StepStatus.Failed, analytics.Status);
        Assert.All(saga.Steps.Where(s => s != analytics), s => Assert.Equal(StepStatus.Compensated, s.Status));

        // the push was done after the email, so it is undone before it
        var compensated = saga.Timeline.Where(t => t.Note.EndsWith(" compensated")).Select(t => t.Note.Split(' ')[0])
            .ToList();
        Assert.True(
            compensated.IndexOf(OnboardingSteps.PushNotification) < compensated.IndexOf(OnboardingSteps.WelcomeEmail),
            string.Join(", ", compensated));
        var failed = Assert.Single((await OnboardingEvents(user.Id)).OfType<OnboardingFailed>());
        Assert.Equal(OnboardingSteps.AnalyticsTracked, failed.Step);
        Assert.Empty((await OnboardingEvents(user.Id)).OfType<OnboardingCompleted>());
        Assert.Single(await StreamEvents(user.Id));
        Assert.Equal("Failed", (await Host.GetAsJson<UserDetails>($"/api/users/{user.Id}"))!.Onboarding);

        await Host.Scenario(x => { x.Get.Url($"/api/users/{user.Id}/preferences"); x.StatusCodeShouldBe(404); });
        var activity = await Host.ActivityOf(user.Id, count: 6);
        Assert.Contains(activity, a => a.EventType == "WelcomeEmailCompensated");
        Assert.Contains(activity, a => a.EventType == "PushNotificationCompensated");
        Assert.Empty(await Scheduled());
    }

    [Fact]
    public async Task a_step_without_an_answer_fails_the_saga_when_its_durable_timeout_fires()
    {
        var user = await Host.RegisteredUser($"silent-prefs.{Guid.NewGuid():N}@example.com");
        var waiting = await SagaWhen(user.Id, s => s.Step(OnboardingSteps.AnalyticsTracked)?.Status == StepStatus.Done);
        Assert.Equal(StepStatus.Running, waiting.Step(OnboardingSteps.UserPreferences)!.Status);
        // the saga keeps one timer, set for the email (the other steps have deadlines)
        var timeout = Assert.Single(await Scheduled(), m => m.SagaId == user.Id.ToString());
        var email = waiting.Step(OnboardingSteps.WelcomeEmail)!;
        Assert.Equal(email.TimeoutId, timeout.Id);
        Assert.InRange(timeout.ScheduledTime!.Value - email.StartedAt,
            OnboardingFixture.StepTimeout - TimeSpan.FromSeconds(1),
            OnboardingFixture.StepTimeout + TimeSpan.FromSeconds(1));

        // what an operator's "fire now" does: the timer, due now, fails the step under way
        await MessageStore.ScheduledMessages.RescheduleAsync(timeout.Id, DateTimeOffset.UtcNow, CancellationToken.None);

        var saga = await SagaWhen(user.Id, NothingUnderWay);
        Assert.Equal(SagaStatus.Failed, saga.Status);
        Assert.Equal(StepStatus.Failed, saga.Step(OnboardingSteps.UserPreferences)!.Status);
        Assert.Contains("no answer within", saga.Error);
        Assert.All(saga.Steps.Where(s => s.Name != OnboardingSteps.UserPreferences),
            s => Assert.Equal(StepStatus.Compensated, s.Status));
        Assert.Equal(OnboardingSteps.UserPreferences,
            Assert.Single((await OnboardingEvents(user.Id)).OfType<OnboardingFailed>()).Step);
        Assert.Empty(await Scheduled());
    }

    [Fact]
    public async Task a_duplicate_start_a_late_timeout_and_a_late_answer_change_nothing_and_are_recorded()
    {
        var user = await Host.RegisteredUser();
        var done = await SagaWhen(user.Id, s => s.Status == SagaStatus.Completed);
        await using (var session = Store.QuerySession())
        {
            var registered = (await session.Events.FetchStreamAsync(user.Id)).First();
            // a redelivered registration, a timeout that was already due, a reply sent twice
            await Host.SentAndHandled(new StartOnboarding(user.Id, registered.Id));
        }
        await Host.SentAndHandled(new OnboardingStepTimeout(user.Id, OnboardingSteps.WelcomeEmail));
        await Host.SentAndHandled(new OnboardingStepDone(user.Id, OnboardingSteps.PushNotification));

        var saga = await SagaWhen(user.Id, s => s.Timeline.Count == done.Timeline.Count + 3);
        Assert.Equal(SagaStatus.Completed, saga.Status);
        Assert.Equal(done.CompletedAt, saga.CompletedAt);
        Assert.Equal(done.Steps.Select(s => (s.Name, s.Status, s.DoneAt)),
            saga.Steps.Select(s => (s.Name, s.Status, s.DoneAt)));
        Assert.Equal(["duplicate start ignored", "welcome_email: ignored (saga Completed)",
            "push_notification: late or duplicate answer ignored (Done)"], saga.Timeline.TakeLast(3).Select(t =>
                t.Note));
        Assert.Single((await OnboardingEvents(user.Id)).OfType<OnboardingCompleted>());
        await using var query = Store.QuerySession();
        Assert.Equal(1, await query.Query<UserOnboardingSaga>().CountAsync());
    }

    [Fact]
    public async Task a_client_updating_with_the_etag_of_its_registration_never_meets_a_412_whatever_the_saga_does()
    {
        var users = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Host.RegisteredUser()));

        // half race the saga, half update once it has finished; each sends the ETag its registration gave it
        async Task Update(UserVersion user, bool afterOnboarding)
        {
            if (afterOnboarding) await SagaWhen(user.Id, s => s.Status == SagaStatus.Completed);
            await Host.Scenario(x =>
            {
                x.Patch.Json(new { lastName = "Racer" }).ToUrl($"/api/users/{user.Id}");
                x.WithRequestHeader("If-Match", $"\"{user.Version}\"");
                x.StatusCodeShouldBeOk();
            });
        }

        await Task.WhenAll(users.Select((user, i) => Update(user, afterOnboarding: i % 2 == 0)));

        foreach (var user in users)
        {
            await SagaWhen(user.Id, s => s.Status == SagaStatus.Completed);
            var read = await Host.Scenario(x => x.Get.Url($"/api/users/{user.Id}"));
            var details = await read.ReadAsJsonAsync<UserDetails>();
            Assert.Equal((2L, "Completed", "Racer", "\"2\""),
                (details!.Version, details.Onboarding, details.LastName,
                    read.Context.Response.Headers.ETag.ToString()));
        }
    }

    [Fact]
    public async Task a_user_whose_stream_holds_an_older_versions_onboarding_outcome_still_reads_it()
    {
        var id = Guid.CreateVersion7();
        var at = DateTimeOffset.UtcNow;
        await using (var session = Store.LightweightSession())
        {
            // as left before the outcome had its own stream: the outcome on the user's stream, and the saga
            session.Events.StartStream<UserDetails>(id,
                new UserRegistered(id, UserScenarios.UniqueEmail("older"), "Ol", "Der", "api", null, false, at),
                new OnboardingFailed(id, OnboardingSteps.WelcomeEmail, "older", at));
            var (saga, _) = UserOnboardingSaga.Begin(id, new OnboardingOptions(), at);
            saga.On(new OnboardingStepFailed(id, OnboardingSteps.WelcomeEmail, "older"), at);
            session.Insert(saga);
            await session.SaveChangesAsync();
        }

        var read = await Host.Scenario(x => x.Get.Url($"/api/users/{id}"));
        var details = await read.ReadAsJsonAsync<UserDetails>();

        // that outcome moved the user's version then; the saga's outcome is shown (a redelivered start changes nothing)
        Assert.Equal((2L, "Failed", "\"2\""),
            (details!.Version, details.Onboarding, read.Context.Response.Headers.ETag.ToString()));
    }
}
