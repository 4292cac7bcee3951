using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alba;
using Marten.EventApp.Users;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine;
using Wolverine.Runtime;
using JasperFx.Core;

namespace Marten.EventApp.IntegrationTests.Users;

/// <summary>
/// GDPR erasure: after it the user's email, names and profile values are in no table and column of the service's schema
/// (events, documents, Wolverine's kept messages), while the stream keeps its history and records the erasure.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class when_erasing_a_user(AppFixture fixture)
{
    private IAlbaHost Host => fixture.Host;

    [Fact]
    public async Task the_personal_data_is_nowhere_in_the_database_and_the_history_stays()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var email = $"erase.{tag}@example.com";
        var lastName = $"Zyx{tag}";
        var phone = $"+81 90 {Random.Shared.Next(1000, 9999)} {Random.Shared.Next(1000, 9999)}";
        var address = $"{tag} Erasure Street";
        var user = await Host.RegisteredUser(email, "Ada", lastName);
        var patched = await Host.AdminClient().Patch(user.Id,
            new { phoneNumber = phone, address, birthDate = "1915-12-10", firstName = $"Augusta{tag}" });
        Assert.True(patched.IsSuccessStatusCode, await patched.Content.ReadAsStringAsync());
        // the bus has carried both events to the activity log: Wolverine keeps the handled messages, PII included
        await Host.ActivityOf(user.Id, count: 2);
        Assert.NotEmpty(await Where(email));
        // a lookup by email puts it in the request's URL, which request logging would write
        await Host.Scenario(x => x.Get.Url($"/api/users?email={Uri.EscapeDataString(email)}"));

        // the rest of the erasure is a message of its own: tracked until it is handled
        var (_, erased) = await Host.TrackedScenario(x =>
        {
            x.Post.Url($"/api/admin/users/{user.Id}/erase");
            x.StatusCodeShouldBe(202);
        });
        // an active user is deactivated by its erasure: registered, updated, deactivated, erased
        Assert.Equal(new ErasureResult(user.Id, 4, "Pending"), await erased.ReadAsJsonAsync<ErasureResult>());
        Assert.Equal($"/api/users/{user.Id}", erased.Context.Response.Headers.Location.ToString());
        var details = await Host.UserDetails(user.Id);
        Assert.Equal("Completed", details.Erasure);
        await using (var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession())
        {
            // at least the two the activity log kept; the erasure's own events may have been handled before it ran
            // (which messages are removed, exactly: kept_messages_are_matched_by_whole_values)
            var record = await session.LoadAsync<UserErasure>(user.Id);
            Assert.True(record!.MessagesRemoved >= 2, $"removed {record.MessagesRemoved} kept messages");
        }

        Assert.Equal((EraseUserHandler.Placeholder, EraseUserHandler.Placeholder, false),
            (details.Email, details.LastName, details.IsActive));
        Assert.Null(details.PhoneNumber);
        Assert.Null(details.Address);
        Assert.Null(details.BirthDate);
        Assert.NotNull(details.ErasedAt);

        // the history stays: four events, the first now masked, the last the erasure
        var events = await Host.StoredEvents(user.Id);
        Assert.Equal(["user_registered", "user_profile_updated", "user_deactivated", "user_erased"],
            events.Select(e => e.EventType).ToArray());
        Assert.Equal(EraseUserHandler.Placeholder, ((JsonElement)events[0].Data).GetProperty("email").GetString());
        var asFirstRegistered = await Host.UserDetails(user.Id, "?version=1");
        Assert.Equal(EraseUserHandler.Placeholder, asFirstRegistered.Email);

        // the erasure went over the bus too; after it, nothing of the user's data is anywhere
        var activity = await Host.ActivityOf(user.Id, count: 4);
        Assert.Equal("UserErased", activity[^1].EventType);
        foreach (var value in new[] { email, lastName, phone, address, $"Augusta{tag}" })
            Assert.True((await Where(value)).Count == 0,
                $"'{value}' is still in {string.Join(", ", await Where(value))}");

        // nor in the service's log at Information or above (the filters of appsettings.json apply)
        Assert.NotEmpty(LogCapture.Entries);
        Assert.DoesNotContain(LogCapture.Entries, entry => entry.Contains(email) || entry.Contains(lastName));

        // an erased user cannot be changed, and the email is free again
        var refused = await Host.AdminClient().Patch(user.Id, new { firstName = "Again" });
        Assert.Equal(409, (int)refused.StatusCode);
        await Host.RegisteredUser(email);
        // erasing again finishes whatever a failed erasure left, and changes nothing else
        var again = await Host.Scenario(x =>
        {
            x.Post.Url($"/api/admin/users/{user.Id}/erase");
            x.StatusCodeShouldBe(202);
        });
        Assert.Equal(4, (await again.ReadAsJsonAsync<ErasureResult>())!.Version);
        await Host.Scenario(x =>
        {
            x.Post.Url($"/api/admin/users/{Guid.NewGuid()}/erase");
            x.StatusCodeShouldBe(404);
        });
    }

    [Fact]
    public async Task free_texts_are_erased_and_the_user_counts_as_inactive_everywhere()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var reason = $"moving to Lyon {tag}";
        var deactivated = await Host.RegisteredUser();
        await Host.Deactivated(deactivated.Id, reason);
        await Host.ActivityOf(deactivated.Id, count: 2);
        await Host.WaitForNonStaleProjectionDataAsync(30.Seconds());
        var before = await Counts();

        var active = await Host.RegisteredUser();
        await Host.TrackedScenario(x =>
        {
            x.Post.Url($"/api/admin/users/{active.Id}/erase");
            x.StatusCodeShouldBe(202);
        });
        await Host.TrackedScenario(x =>
        {
            x.Post.Url($"/api/admin/users/{deactivated.Id}/erase");
            x.StatusCodeShouldBe(202);
        });
        Assert.Equal("Completed", (await Host.UserDetails(active.Id)).Erasure);
        var details = await Host.UserDetails(deactivated.Id);
        Assert.Equal("Completed", details.Erasure);
        await Host.ActivityOf(deactivated.Id, count: 3);
        await Host.WaitForNonStaleProjectionDataAsync(30.Seconds());

        // the reason the user gave is in no event, document or activity entry any more
        Assert.Equal(EraseUserHandler.Placeholder, details.DeactivationReason);
        Assert.True((await Where(tag)).Count == 0, $"'{reason}' is still in {string.Join(", ", await Where(tag))}");
        var entries = await Host.ActivityOf(deactivated.Id, count: 3);
        Assert.Equal($"Deactivated: {EraseUserHandler.Placeholder}",
            entries.Single(e => e.EventType == "UserDeactivated").Summary);
        // one more registration, erased while active: the active count is back where it was, the inactive one up by one
        var after = await Counts();
        Assert.Equal((before.Registered + 1, before.Active, before.Deactivated + 1),
            (after.Registered, after.Active, after.Deactivated));
        Assert.Equal(before.DailyActive, after.DailyActive);
    }

    [Fact]
    public async Task an_erasure_that_fails_is_pending_until_its_retry_finishes_it()
    {
        var user = await Host.RegisteredUser();
        ErasureFaultProbe.FailNext(1);
        await Host.Scenario(x =>
        {
            x.Post.Url($"/api/admin/users/{user.Id}/erase");
            x.StatusCodeShouldBe(202);
        });

        await Tracking.Eventually(async () => ErasureFaultProbe.Failed > 0 ? "failed" : null);
        Assert.Equal("Pending", (await Host.UserDetails(user.Id)).Erasure);
        var details = await Erased(user.Id);
        Assert.Equal(EraseUserHandler.Placeholder, details.Email);
    }

    [Fact]
    public async Task kept_messages_are_matched_by_whole_values()
    {
        var id = Guid.CreateVersion7();
        var tag = Guid.NewGuid().ToString("N")[..10];
        string plain = $"ann.{tag}@example.com", plus = $"ann+{tag}@example.com";
        var runtime = Host.Services.GetRequiredService<IWolverineRuntime>();
        Envelope Kept(string json, EnvelopeStatus status = EnvelopeStatus.Handled) => new()
        {
            Id = Guid.CreateVersion7(), Data = Encoding.UTF8.GetBytes(json), MessageType = "erasure.probe",
            ContentType = "application/json", Destination = new Uri("local://erasure-probe"), Status = status,
            OwnerId = runtime.Options.Durability.AssignedNodeNumber,
            KeepUntil = DateTimeOffset.UtcNow.AddHours(1),
            ScheduledTime = status == EnvelopeStatus.Scheduled ? DateTimeOffset.UtcNow.AddYears(1) : null
        };
        var removed = new[]
        {
            Kept($$"""{"userId":"{{id}}"}"""), Kept($$"""{"eventType":"UserRegistered","aggregateId":"{{id}}"}"""),
            Kept($$"""{"email":"{{plain}}"}"""), Kept($"{{\"email\":{JsonSerializer.Serialize(plus)}}}")
        };
        var kept = new[]
        {
            Kept($$"""{"customerId":"{{id}}"}"""), Kept($$"""{"email":"jo{{plain}}"}"""),
            Kept($$"""{"userId":"{{id}}"}""", EnvelopeStatus.Scheduled)
        };
        var deadLetter = Kept($$"""{"newEmail":"{{plus}}"}""", EnvelopeStatus.Incoming);
        // kept as Wolverine keeps a handled message: stored on arrival, then marked (a handled row stores no body)
        foreach (var envelope in removed.Concat(kept))
        {
            var handled = envelope.Status == EnvelopeStatus.Handled;
            if (handled) envelope.Status = EnvelopeStatus.Incoming;
            await runtime.Storage.Inbox.StoreIncomingAsync(envelope);
            if (handled) await runtime.Storage.Inbox.MarkIncomingEnvelopeAsHandledAsync(envelope);
        }
        await runtime.Storage.Inbox.MoveToDeadLetterStorageAsync(deadLetter, new InvalidOperationException("probe"));

        var store = Host.Services.GetRequiredService<IDocumentStore>();
        Assert.Equal(removed.Length + 1,
            await ErasedMessages.RemoveKeptAsync(store, id, [plain, plus], CancellationToken.None));

        var left = await EnvelopeIds(store, removed.Concat(kept).Append(deadLetter).Select(e => e.Id).ToArray());
        Assert.Equal(kept.Select(e => e.Id).Order(), left.Order());
        await using var connection = new NpgsqlConnection(await TestDatabase.ConnectionString());
        await connection.OpenAsync();
        await using var cleanup = new NpgsqlCommand(
            $"delete from {store.Options.DatabaseSchemaName}.wolverine_incoming_envelopes where id = any(@ids)",
            connection);
        cleanup.Parameters.AddWithValue("ids", left.ToArray());
        await cleanup.ExecuteNonQueryAsync();
    }

    private static async Task<List<Guid>> EnvelopeIds(IDocumentStore store, Guid[] ids)
    {
        await using var connection = new NpgsqlConnection(await TestDatabase.ConnectionString());
        await connection.OpenAsync();
        var schema = store.Options.DatabaseSchemaName;
        await using var command = new NpgsqlCommand($"""
            select id from {schema}.wolverine_incoming_envelopes where id = any(@ids)
            union all select id from {schema}.wolverine_dead_letters where id = any(@ids)
            """, connection);
        command.Parameters.AddWithValue("ids", ids);
        var found = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) found.Add(reader.GetGuid(0));
        return found;
    }

    // polled: a tracked session would stop at the failure the test injects
    private Task<UserDetails> Erased(Guid id) =>
        Tracking.Eventually(async () =>
            await Host.UserDetails(id) is { Erasure: "Completed" } details ? details : null);

    private async Task<(long Registered, long Active, long Deactivated, long DailyActive)> Counts()
    {
        var stats = (await Host.GetAsJson<UserStatistics>("/api/users/statistics"))!;
        var today = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd");
        var daily = await Host.GetAsJson<JsonElement>($"/api/analytics/daily?from={today}&to={today}");
        var active = daily.GetProperty("days")[0].GetProperty("metrics").GetProperty("active_users").GetInt64();
        return (stats.Registered, stats.Active, stats.Deactivated, active);
    }

    /// <summary>
    /// Every table and column of the service's schema that holds <paramref name="value"/> (text, JSON or bytes).
    /// </summary>
    private async Task<List<string>> Where(string value)
    {
        var store = Host.Services.GetRequiredService<IDocumentStore>();
        var schema = store.Options.DatabaseSchemaName;
        await using var connection = new NpgsqlConnection(await TestDatabase.ConnectionString());
        await connection.OpenAsync();
        var columns = new List<(string Table, string Column, string Type)>();
        await using (var list = new NpgsqlCommand("""
                         select c.table_name, c.column_name, c.data_type from information_schema.columns c
                         join information_schema.tables t on t.table_schema = c.table_schema
                           and t.table_name = c.table_name
                         where c.table_schema = @schema and t.table_type = 'BASE TABLE'
                           and c.data_type in ('text', 'character varying', 'jsonb', 'json', 'bytea',
                                               'ARRAY', 'USER-DEFINED')
                         """, connection))
        {
            list.Parameters.AddWithValue("schema", schema);
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync()) columns.Add((reader.GetString(0), reader.GetString(1),
                reader.GetString(2)));
        }

        var found = new List<string>();
        foreach (var (table, column, type) in columns)
        {
            var match = type == "bytea"
                ? $"position(convert_to(@value, 'UTF8') in \"{column}\") > 0"
                : $"\"{column}\"::text ilike '%' || @value || '%'";
            await using var probe = new NpgsqlCommand(
                $"select exists (select 1 from {schema}.\"{table}\" where {match})", connection);
            probe.Parameters.AddWithValue("value", value);
            if ((bool)(await probe.ExecuteScalarAsync())!) found.Add($"{table}.{column}");
        }

        return found;
    }
}

/// <summary>
/// Wolverine middleware of the app host: the erasure's second half fails while told to, before it does anything.
/// </summary>
public static class ErasureFaultProbe
{
    private static int _failures;
    private static int _failed;

    public static int Failed => _failed;

    public static void FailNext(int failures) => (_failures, _failed) = (failures, 0);

    public static void Before(CompleteErasure cmd)
    {
        if (Interlocked.Decrement(ref _failures) < 0) return;
        Interlocked.Increment(ref _failed);
        throw new InvalidOperationException("the erasure failed, as a crash mid-way would leave it");
    }
}
