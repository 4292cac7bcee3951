using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Http;
using Marten.EventApp.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Wolverine;

namespace Marten.EventApp.Users;

/// <summary>An operator's erasure of a user's personal data (HTTP only: not accepted from the bus).</summary>
public sealed record EraseUser(Guid UserId, string ErasedBy);

public sealed record ErasureResult(Guid Id, long Version, int MessagesRemoved);

/// <summary>
/// PII erasure with Marten's event data masking: <see cref="UserErased"/> goes on the stream (the read model and the
/// snapshot drop the profile when they apply it), then the stream's earlier events are rewritten by the masking rules
/// (<see cref="Masking"/>), then the copies Wolverine keeps of the user's messages (handled messages kept for
/// de-duplication, dead letters) are deleted. Each part is idempotent: after a failure, erasing again finishes it.
/// </summary>
public static class EraseUserHandler
{
    public const string Placeholder = "[erased]";

    public static Decision Decide(EraseUser cmd, User? user, DateTimeOffset now) =>
        user is null ? Rejection.NotFound("User")
        : user.Erased ? Decision.Accept()  // erasing again finishes what a failed erasure left
        : Decision.Accept(new UserErased(user.Id, cmd.ErasedBy, now));

    public static Task Handle(EraseUser cmd, IDocumentSession session, IMessageContext context, StreamCommands commands,
        TimeProvider clock, CancellationToken ct) =>
        commands.AppendAsync<User>(session, context, cmd.UserId, new FieldErrors(), user => Decide(cmd, user, clock.GetUtcNow()), ct);

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
        // the email as it is now: the messages Wolverine keeps are found by it or by the user's id
        string? email;
        await using (var query = store.QuerySession()) email = (await query.LoadAsync<UserDetails>(id, ct))?.Email;

        var outcome = await bus.InvokeAsync<CommandOutcome>(new EraseUser(id, http.User.Identity?.Name ?? "operator"),
            RequestCorrelation.From(http), ct);
        if (outcome.Rejection is { } rejection) return TypedResults.Problem(rejection.ToProblem());

        await store.Advanced.ApplyEventDataMasking(x => x.IncludeStream(id), ct);
        var removed = await RemoveKeptMessagesAsync(store, id, email, ct);
        return TypedResults.Ok(new ErasureResult(id, outcome.Version, removed));
    }

    /// <summary>Handled messages (kept for de-duplication) and dead letters that mention the user; not those still waiting to be handled.</summary>
    private static async Task<int> RemoveKeptMessagesAsync(IDocumentStore store, Guid id, string? email, CancellationToken ct)
    {
        var schema = store.Options.DatabaseSchemaName;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"""
            with inbox as (delete from {schema}.wolverine_incoming_envelopes
                           where status = 'Handled' and (position(@id in body) > 0 or position(@email in body) > 0) returning 1),
                 dead as (delete from {schema}.wolverine_dead_letters
                          where position(@id in body) > 0 or position(@email in body) > 0 returning 1)
            select (select count(*) from inbox) + (select count(*) from dead)
            """, connection);
        command.Parameters.AddWithValue("id", System.Text.Encoding.UTF8.GetBytes(id.ToString()));
        // a user with no read model: nothing to match by email (an empty pattern would match every row)
        command.Parameters.AddWithValue("email", System.Text.Encoding.UTF8.GetBytes(email is { Length: > 0 } ? email : id.ToString()));
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct));
    }
}
