using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.EventBus;
using Marten.EventApp.Http;
using Marten.EventApp.Sagas;
using Marten.EventApp.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Wolverine;
using Wolverine.Configuration;

namespace Marten.EventApp.Onboarding;

public static class OnboardingConfiguration
{
    public const string SagaQueue = "marten-eventapp.onboarding-saga";

    public static WebApplicationBuilder AddOnboarding(this WebApplicationBuilder builder)
    {
        var options = OnboardingOptions.From(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<OnboardingStepRunner>();
        builder.Services.TryAddSingleton<InProcessOnboardingServices>();
        builder.Services.TryAddSingleton<IEmailService>(s => s.GetRequiredService<InProcessOnboardingServices>());
        builder.Services.TryAddSingleton<IPushNotificationService>(s =>
            s.GetRequiredService<InProcessOnboardingServices>());
        builder.Services.TryAddSingleton<IRegistrationAnalyticsService>(s =>
            s.GetRequiredService<InProcessOnboardingServices>());
        builder.Services.ConfigureMarten(opts =>
        {
            opts.Schema.For<UserOnboardingSaga>();
            opts.Schema.For<UserPreferences>();
        });
        builder.Services.ConfigureWolverine(opts =>
        {
            opts.Policies.Add(new OnboardingStepFailures(options, EventBusOptions.From(builder.Configuration)));
            // one user's saga messages one after another, else the parallel steps' answers race on the saga and are
            // retried after concurrency errors; other users' in parallel
            opts.MessagePartitioning.ByMessage<IOnboardingSagaMessage>(m => m.UserId.ToString());
            opts.Publish(x =>
            {
                x.MessagesImplementing<IOnboardingSagaMessage>();
                x.ToLocalQueue(SagaQueue);
            });
            opts.LocalQueue(SagaQueue).PartitionProcessingByGroupId(PartitionSlots.Five);
        });
        builder.MonitorSaga<UserOnboardingSaga>("UserOnboarding",
            (id, reason) => new ForceOnboardingCompensation(id, reason), (id, note) =>
                new OnboardingOperatorNote(id, note), options.StepTimeout);
        if (options.Enabled)
        {
            // not a handler by Wolverine's naming convention: it exists only where onboarding is on
            builder.Services.ConfigureWolverine(opts => opts.Discovery.IncludeType(typeof(OnboardingTrigger)));
            builder.ConsumeEventBatches<OnboardingTriggerEvent>(OnboardingTrigger.Queue, typeof(OnboardingTrigger),
                OnboardingTrigger.BindingKeys, OnboardingTrigger.Replay,
                oneInFlight: true);
        }
        return builder.AddEndpoints(app =>
            app.MapGroup("/api/users").WithTags("Users")
                .MapGet("/{id:guid}/preferences", GetPreferences).WithName("GetUserPreferences")
                    .RequireScope(Scopes.UsersRead).OwnUserOnly()
                .ProducesProblem(StatusCodes.Status404NotFound));
    }

    private static async Task<Results<Ok<UserPreferences>, ProblemHttpResult>> GetPreferences(Guid id,
        IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<UserPreferences>(id, ct) is { } preferences
            ? TypedResults.Ok(preferences)
            : TypedResults.Problem(Rejection.NotFound("User preferences").ToProblem());
}
