using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Http;
using Marten.EventApp.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Text;
using System.Text.Json;
using Npgsql;
using Wolverine;

namespace Marten.EventApp.Users;

/// <summary>An operator's erasure of a user's personal data (HTTP only: not accepted from the bus).</summary>
public sealed record EraseUser(Guid UserId, string ErasedBy);

public sealed record ErasureResult(Guid Id, long Version, int MessagesRemoved);

/// <summary>
/// PII erasure with Marten's event data masking: <see cref="UserErased"/> goes on the stream (the read model drops
/// the profile when it applies it), then the stream's earlier events are rewritten by the masking rules
/// (<see cref="Masking"/>), then the copies Wolverine keeps of the user's messages (handled messages kept for
/// de-duplication, dead letters) are deleted. Each part is idempotent: after a failure, erasing again finishes it.
/// </summary>
public static class EraseUserHandler
{
    public const string Placeholder = "[erased]";

    public static Decision Decide(EraseUser cmd, UserDetails? user, DateTimeOffset now) =>
        user is null ? Rejection.NotFound("User")
        : user.ErasedAt is not null ? Decision.Accept()  // erasing again finishes what a failed erasure left
        : Decision.Accept(new UserErased(user.Id, cmd.ErasedBy, now));

    public static Task Handle(EraseUser cmd, IDocumentSession session, IMessageContext context, StreamCommands commands,
        TimeProvider clock, CancellationToken ct) =>
        commands.AppendAsync<UserDetails>(session, context, cmd.UserId, new FieldErrors(), user => Decide(cmd, user, clock.GetUtcNow()), ct);

    /// <summary>The masking rules: emails and names become the placeholder, the other profile values are removed.</summary>
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
    }

    // required fields keep a value (a replay must still build a profile); the optional ones are cleared
    private static Dictionary<string, string?> Mask(IReadOnlyDictionary<string, string?> values) =>
        values.ToDictionary(v => v.Key, v => v.Value is null ? null
            : v.Key is ProfileFields.Email or ProfileFields.FirstName or ProfileFields.LastName ? Placeholder : null);
}

internal static class EraseUserEndpoint
{
    public static async Task<Results<Ok<ErasureResult>, ProblemHttpResult>> Post(Guid id, IMessageBus bus, IDocumentStore store,
        HttpContext http, CancellationToken ct)
    {
        // the emails as the events hold them, read before they are masked (a retry after a failure still finds them)
        var emails = await EmailsOfAsync(store, id, ct);
        var outcome = await bus.InvokeAsync<CommandOutcome>(new EraseUser(id, http.User.Identity?.Name ?? "operator"),
            RequestCorrelation.From(http), ct);
        if (outcome.Rejection is { } rejection) return TypedResults.Problem(rejection.ToProblem());

        var removed = await RemoveKeptMessagesAsync(store, id, emails, ct);
        await store.Advanced.ApplyEventDataMasking(x => x.IncludeStream(id), ct);
        return TypedResults.Ok(new ErasureResult(id, outcome.Version, removed));
    }

    private static async Task<IReadOnlyList<string>> EmailsOfAsync(IDocumentStore store, Guid id, CancellationToken ct)
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

    /// <summary>
    /// Handled messages (kept for de-duplication) and dead letters of the user, found by whole JSON values: the user's id
    /// under the keys a user's messages carry it (not an order's <c>customerId</c>), or one of its emails as a whole
    /// string, written plainly or with JSON's escapes (<c>+</c> as <c>\u002B</c>), so that <c>ann@x</c> never matches
    /// <c>joann@x</c>. Messages still waiting to be handled are left alone.
    /// </summary>
    private static async Task<int> RemoveKeptMessagesAsync(IDocumentStore store, Guid id, IReadOnlyList<string> emails, CancellationToken ct)
    {
        var patterns = new[] { "aggregateId", "AggregateId", "userId", "UserId", "id", "Id" }.Select(key => $"\"{key}\":\"{id}\"")
            .Concat(emails.SelectMany(email => new[] { $"\"{email}\"", JsonSerializer.Serialize(email) }))
            .Distinct().Select(Encoding.UTF8.GetBytes).ToArray();
        var schema = store.Options.DatabaseSchemaName;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"""
            with inbox as (delete from {schema}.wolverine_incoming_envelopes i
                           where status = 'Handled' and exists (select 1 from unnest(@patterns) p where position(p in i.body) > 0) returning 1),
                 dead as (delete from {schema}.wolverine_dead_letters d
                          where exists (select 1 from unnest(@patterns) p where position(p in d.body) > 0) returning 1)
            select (select count(*) from inbox) + (select count(*) from dead)
            """, connection);
        command.Parameters.AddWithValue("patterns", patterns);
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct));
    }
}
