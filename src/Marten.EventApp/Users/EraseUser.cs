using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Http;
using Marten.EventApp.Messaging;
using Marten.EventApp.Onboarding;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Text;
using System.Text.Json;
using Npgsql;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Marten.EventApp.Users;

// HTTP only: an operator's erasure is never accepted from the bus
public sealed record EraseUser(Guid UserId, string ErasedBy);

public sealed record CompleteErasure(Guid UserId);

public sealed record UserErasure(Guid Id, DateTimeOffset CompletedAt, int MessagesRemoved);

public sealed record ErasureResult(Guid Id, long Version, string Status);

// Appends UserErased (after UserDeactivated when active: an erased user counts as inactive everywhere) and, in the
// same transaction, the durable CompleteErasure, retried until done: a crash or a client that hangs up leaves nothing
// half erased. Each part is idempotent.
public static class EraseUserHandler
{
    public const string Placeholder = "[erased]";

    public const string DeactivationReason = "personal data erased";

    public static Decision Decide(EraseUser cmd, UserDetails? user, DateTimeOffset now) =>
        user is null ? Rejection.NotFound("User")
        : user.ErasedAt is not null ? Decision.Accept().AndSend(new CompleteErasure(user.Id))
        : user.IsActive ? Decision.Accept(new UserDeactivated(user.Id, DeactivationReason, cmd.ErasedBy, now),
            new UserErased(user.Id, cmd.ErasedBy, now)).AndSend(new CompleteErasure(user.Id))
        : Decision.Accept(new UserErased(user.Id, cmd.ErasedBy, now)).AndSend(new CompleteErasure(user.Id));

    public static Task Handle(EraseUser cmd, IDocumentSession session, IMessageContext context, StreamCommands commands,
        TimeProvider clock, CancellationToken ct) =>
        commands.AppendAsync<UserDetails>(session, context, cmd.UserId, new FieldErrors(),
            user => Decide(cmd, user, clock.GetUtcNow()), ct);

    public static void Masking(StoreOptions opts)
    {
        opts.Events.AddMaskingRuleForProtectedInformation<UserRegistered>(e => e with
        {
            Email = Placeholder, FirstName = Placeholder, LastName = Placeholder
        });
        opts.Events.AddMaskingRuleForProtectedInformation<UserRegisteredV1>(e => e with
        {
            Email = Placeholder, FirstName = Placeholder, LastName = Placeholder
        });
        opts.Events.AddMaskingRuleForProtectedInformation<UserProfileUpdated>(e => e with
        {
            UpdatedFields = Mask(e.UpdatedFields), PreviousValues = Mask(e.PreviousValues)
        });
        // free texts: they may name or quote the person
        opts.Events.AddMaskingRuleForProtectedInformation<UserDeactivated>(e =>
            e with { Reason = Placeholder, DeactivatedBy = Placeholder });
        opts.Events.AddMaskingRuleForProtectedInformation<OnboardingFailed>(e => e with { Reason = Placeholder });
    }

    // required fields keep a value (a replay must still build a profile); the optional ones are cleared
    private static Dictionary<string, string?> Mask(IReadOnlyDictionary<string, string?> values) =>
        values.ToDictionary(v => v.Key, v => v.Value is null ? null
            : v.Key is ProfileFields.Email or ProfileFields.FirstName or ProfileFields.LastName ? Placeholder : null);
}

internal static class EraseUserEndpoint
{
    public static async Task<Results<Accepted<ErasureResult>, ProblemHttpResult>> Post(Guid id, IMessageBus bus,
        HttpContext http, CancellationToken ct)
    {
        var outcome = await bus.InvokeAsync<CommandOutcome>(new EraseUser(id, http.User.Identity?.Name ?? "operator"),
            RequestCorrelation.From(http), ct);
        return outcome.Rejection is { } rejection
            ? TypedResults.Problem(rejection.ToProblem())
            : TypedResults.Accepted($"/api/users/{id}", new ErasureResult(id, outcome.Version, "Pending"));
    }
}

// Kept messages are deleted first: they are found by the emails the events hold until they are masked.
public static class CompleteErasureHandler
{
    private static readonly HashSet<string> OperatorMessages =
        [nameof(OnboardingOperatorNote), nameof(ForceOnboardingCompensation)];

    public static void Configure(HandlerChain chain) =>
        chain.OnAnyException()
            .RetryWithCooldown(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30))
            .Then.ScheduleRetryIndefinitely(TimeSpan.FromMinutes(5));

    public static async Task Handle(CompleteErasure cmd, IDocumentSession session, TimeProvider clock,
        CancellationToken ct)
    {
        var store = session.DocumentStore;
        var id = cmd.UserId;
        var emails = await ErasedMessages.EmailsOfAsync(store, id, ct);
        var removed = await ErasedMessages.RemoveKeptAsync(store, id, emails, ct);
        await store.Advanced.ApplyEventDataMasking(x =>
        {
            x.IncludeStream(id);
            x.IncludeStream(OnboardingStream.For(id));
        }, ct);

        var texts = await session.Query<ActivityEntry>()
            .Where(x => x.UserId == id
                        && (x.EventType == nameof(UserDeactivated) || x.EventType == nameof(OnboardingFailed)))
            .ToListAsync(ct);
        foreach (var entry in texts)
        {
            var what = entry.EventType == nameof(UserDeactivated) ? "Deactivated" : "Onboarding failed";
            session.Store(entry with { Summary = $"{what}: {EraseUserHandler.Placeholder}" });
        }
        if (await session.LoadAsync<UserOnboardingSaga>(id, ct) is { } saga
            && saga.EraseFreeTexts(EraseUserHandler.Placeholder, OperatorMessages))
            session.UpdateRevision(saga, saga.Version + 1);

        session.Store(new UserErasure(id, clock.GetUtcNow(), removed));
    }
}

internal static class ErasedMessages
{
    public static async Task<IReadOnlyList<string>> EmailsOfAsync(IDocumentStore store, Guid id, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var emails = new HashSet<string>();
        foreach (var e in await session.Events.FetchStreamAsync(id, token: ct))
        {
            if (e.Data is UserRegistered registered) emails.Add(registered.Email);
            if (e.Data is UserProfileUpdated updated)
                foreach (var values in new[] { updated.UpdatedFields, updated.PreviousValues })
                    if (values.GetValueOrDefault(ProfileFields.Email) is { } email) emails.Add(email);
        }

        emails.Remove(EraseUserHandler.Placeholder);
        return emails.ToList();
    }

    // Matched on whole JSON values (the id under a user's keys, not an order's customerId; an email as a whole string,
    // plain or JSON-escaped), so that ann@x never matches joann@x. Messages still waiting to be handled are left alone.
    public static async Task<int> RemoveKeptAsync(IDocumentStore store, Guid id, IReadOnlyList<string> emails,
        CancellationToken ct)
    {
        var patterns = new[] { "aggregateId", "AggregateId", "userId", "UserId", "id", "Id" }
            .Select(key => $"\"{key}\":\"{id}\"")
            .Concat(emails.SelectMany(email => new[] { $"\"{email}\"", JsonSerializer.Serialize(email) }))
            .Distinct().Select(Encoding.UTF8.GetBytes).ToArray();
        var schema = store.Options.DatabaseSchemaName;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"""
            with inbox as (delete from {schema}.wolverine_incoming_envelopes i
                           where status = 'Handled'
                             and exists (select 1 from unnest(@patterns) p where position(p in i.body) > 0)
                           returning 1),
                 dead as (delete from {schema}.wolverine_dead_letters d
                          where exists (select 1 from unnest(@patterns) p where position(p in d.body) > 0) returning 1)
            select (select count(*) from inbox) + (select count(*) from dead)
            """, connection);
        command.Parameters.AddWithValue("patterns", patterns);
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct));
    }
}
