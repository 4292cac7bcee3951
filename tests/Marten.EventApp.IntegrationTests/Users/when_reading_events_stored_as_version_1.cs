using System.Text.Json;
using Alba;
using JasperFx.Core;
using Marten.EventApp.Analytics;
using Marten.EventApp.Users;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Marten.EventApp.IntegrationTests.Users;

// UserRegistered went to schema version 2 (locale, marketing consent): rows version 1 wrote must read as version 2.
[Collection(MessagingCollection.Name)]
public sealed class when_reading_events_stored_as_version_1(MessagingFixture fixture) : MessagingTest(fixture)
{
    private static readonly DateTimeOffset RegisteredAt = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);

    // its stream row copied from a real one
    private async Task<Guid> StoredAsVersion1Async(string email)
    {
        var template = await Host.RegisteredUser();
        var id = Guid.CreateVersion7();
        var store = Host.Services.GetRequiredService<IDocumentStore>();
        var schema = store.Options.DatabaseSchemaName;
        var v1 = JsonSerializer.Serialize(new
        {
            userId = id, email, firstName = "Old", lastName = "Timer", registrationSource = "legacy",
            registeredAt = RegisteredAt
        });

        await using var connection = new NpgsqlConnection(await TestDatabase.ConnectionString());
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand($"""
            insert into {schema}.mt_streams (id, type, version, timestamp, created, tenant_id)
              select @id, type, 1, @at, @at, tenant_id from {schema}.mt_streams where id = @template;
            insert into {schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id,
                                            mt_dotnet_type, headers)
              select nextval('{schema}.mt_events_sequence'), @event, @id, 1, @data::jsonb,
                     'user_registered', @at, tenant_id,
                     'Marten.EventApp.Contracts.Users.UserRegistered, Marten.EventApp.Contracts', @headers::jsonb
              from {schema}.mt_streams where id = @template;
            """, connection);
        insert.Parameters.AddWithValue("id", id);
        insert.Parameters.AddWithValue("template", template.Id);
        insert.Parameters.AddWithValue("event", Guid.CreateVersion7());
        insert.Parameters.AddWithValue("at", RegisteredAt);
        insert.Parameters.AddWithValue("data", v1);
        insert.Parameters.AddWithValue("headers", """{"schema-version": 1}""");
        await insert.ExecuteNonQueryAsync();
        return id;
    }

    private async Task<string> StoredTypeAsync(Guid streamId)
    {
        var store = Host.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var types = await session.QueryAsync<string>(
            $"select type from {store.Options.DatabaseSchemaName}.mt_events where stream_id = ? and version = 1",
            streamId);
        return types.Single();
    }

    [Fact]
    public async Task the_events_endpoints_show_it_as_version_1_data_in_the_version_2_shape()
    {
        var id = await StoredAsVersion1Async(UserScenarios.UniqueEmail("v1"));

        var stored = Assert.Single(await Host.StoredEvents(id));

        Assert.Equal(("user_registered", 1), (stored.EventType, stored.SchemaVersion));
        var data = (JsonElement)stored.Data;
        Assert.Equal(("Old", "legacy", JsonValueKind.Null, false), (data.GetProperty("firstName").GetString(),
            data.GetProperty("registrationSource").GetString(), data.GetProperty("locale")
                .ValueKind, data.GetProperty("marketingConsent").GetBoolean()));
        await Tracking.Eventually(async () =>
        {
            var page = await Host.GetAsJson<Marten.EventApp.Feeds.EventPage>(
                $"/api/events?fromPosition={stored.Sequence - 1}&batchSize=1");
            return page!.Events.SingleOrDefault(e => e.EventId == stored.EventId && e.EventType == "user_registered"
                && e.SchemaVersion == 1);
        });
    }

    [Fact]
    public async Task the_aggregate_decides_on_it_and_the_read_model_rebuilds_from_it()
    {
        var email = UserScenarios.UniqueEmail("v1");
        var id = await StoredAsVersion1Async(email);
        var store = Host.Services.GetRequiredService<IDocumentStore>();

        // aggregated from its events and rebuilt, as its inline document was written before version 2
        await using (var session = store.QuerySession())
            Assert.Equal(new UserProfile(email, "Old", "Timer"),
                (await session.Events.AggregateStreamAsync<UserDetails>(id))!.Profile());
        await store.Advanced.RebuildSingleStreamAsync<UserDetails>(id);
        var details = await Host.UserDetails(id);
        Assert.Equal((email, "Old Timer", "legacy", null, false, RegisteredAt),
            (details.Email, details.FullName, details.RegistrationSource,
            details.Locale, details.MarketingConsent, details.RegistrationDate));

        // a command decides on the aggregate and appends after the v1 row
        await Host.Scenario(x =>
        {
            x.Patch.Json(new { firstName = "New", expectedVersion = 1 }).ToUrl($"/api/users/{id}");
            x.StatusCodeShouldBeOk();
        });
        Assert.Equal(("New Timer", 2L), ((await Host.UserDetails(id)).FullName, (await Host.UserDetails(id)).Version));
        // time travel replays it
        Assert.Equal("Old", (await Host.UserDetails(id, "?version=1")).FirstName);
    }

    [Fact]
    public async Task analytics_and_the_bus_see_it_as_a_registration()
    {
        var id = await StoredAsVersion1Async(UserScenarios.UniqueEmail("v1"));

        var activity = Assert.Single(await Host.ActivityOf(id));
        Assert.Equal(("UserRegistered", 1L), (activity.EventType, activity.AggregateVersion));
        await Host.WaitForNonStaleProjectionDataAsync(30.Seconds());
        var day = await Host.GetAsJson<DailyMetricsPage>("/api/analytics/daily?from=2024-05-06&to=2024-05-06");
        Assert.Equal(1, day!.Days.Single().Metrics["UserRegistered_count"]);
    }

    [Fact]
    public async Task a_new_registration_is_stored_as_version_2_with_its_locale_and_consent()
    {
        var result = await Host.Scenario(x =>
        {
            x.Post.Json(new { email = UserScenarios.UniqueEmail("v2"), firstName = "Nu", lastName = "Ser",
                locale = "pt-BR", marketingConsent = true })
                .ToUrl("/api/users");
            x.StatusCodeShouldBe(201);
        });
        var id = (await result.ReadAsJsonAsync<UserVersion>())!.Id;

        Assert.Equal("user_registered_v2", await StoredTypeAsync(id));
        var stored = Assert.Single(await Host.StoredEvents(id));
        Assert.Equal(("user_registered", 2), (stored.EventType, stored.SchemaVersion));
        var details = await Host.UserDetails(id);
        Assert.Equal(("pt-BR", true), (details.Locale, details.MarketingConsent));
    }

    [Fact]
    public async Task a_locale_that_is_not_a_language_tag_is_400()
    {
        var result = await Host.Scenario(x =>
        {
            x.Post.Json(new { email = UserScenarios.UniqueEmail(), firstName = "A", lastName = "B",
                locale = "english please" }).ToUrl("/api/users");
            x.StatusCodeShouldBe(400);
        });
        var problem = await result.ReadAsJsonAsync<UserScenarios.Problem>();
        Assert.Equal(["locale"], problem!.Errors!.Keys);
    }
}
