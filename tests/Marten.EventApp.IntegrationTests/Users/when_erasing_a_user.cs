using System.Net.Http.Json;
using System.Text.Json;
using Alba;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

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
        var patched = await Host.AdminClient().Patch(user.Id, new { phoneNumber = phone, address, birthDate = "1915-12-10", firstName = $"Augusta{tag}" });
        Assert.True(patched.IsSuccessStatusCode, await patched.Content.ReadAsStringAsync());
        // the bus has carried both events to the activity log: Wolverine keeps the handled messages, PII included
        await Host.ActivityOf(user.Id, count: 2);
        Assert.NotEmpty(await Where(email));
        // a lookup by email puts it in the request's URL, which request logging would write
        await Host.Scenario(x => x.Get.Url($"/api/users?email={Uri.EscapeDataString(email)}"));

        var erased = await Host.Scenario(x =>
        {
            x.Post.Url($"/api/admin/users/{user.Id}/erase");
            x.StatusCodeShouldBeOk();
        });
        var result = (await erased.ReadAsJsonAsync<ErasureResult>())!;
        Assert.Equal(3, result.Version);
        Assert.True(result.MessagesRemoved >= 2, $"removed {result.MessagesRemoved} kept messages");

        var details = await Host.UserDetails(user.Id);
        Assert.Equal((EraseUserHandler.Placeholder, EraseUserHandler.Placeholder, false), (details.Email, details.LastName, details.IsActive));
        Assert.Null(details.PhoneNumber);
        Assert.Null(details.Address);
        Assert.Null(details.BirthDate);
        Assert.NotNull(details.ErasedAt);

        // the history stays: three events, the first now masked, the last the erasure
        var events = await Host.StoredEvents(user.Id);
        Assert.Equal(["user_registered", "user_profile_updated", "user_erased"], events.Select(e => e.EventType).ToArray());
        Assert.Equal(EraseUserHandler.Placeholder, ((JsonElement)events[0].Data).GetProperty("email").GetString());
        var asFirstRegistered = await Host.UserDetails(user.Id, "?version=1");
        Assert.Equal(EraseUserHandler.Placeholder, asFirstRegistered.Email);

        // the erasure went over the bus too; after it, nothing of the user's data is anywhere
        var activity = await Host.ActivityOf(user.Id, count: 3);
        Assert.Equal("UserErased", activity[^1].EventType);
        foreach (var value in new[] { email, lastName, phone, address, $"Augusta{tag}" })
            Assert.True((await Where(value)).Count == 0, $"'{value}' is still in {string.Join(", ", await Where(value))}");

        // nor in the service's log at Information or above (the filters of appsettings.json apply)
        Assert.NotEmpty(LogCapture.Entries);
        Assert.DoesNotContain(LogCapture.Entries, entry => entry.Contains(email) || entry.Contains(lastName));

        // an erased user cannot be changed, and the email is free again
        var refused = await Host.AdminClient().Patch(user.Id, new { firstName = "Again" });
        Assert.Equal(409, (int)refused.StatusCode);
        await Host.RegisteredUser(email);
        // erasing again finishes whatever a failed erasure left, and changes nothing else
        var again = await Host.Scenario(x => x.Post.Url($"/api/admin/users/{user.Id}/erase"));
        Assert.Equal(3, (await again.ReadAsJsonAsync<ErasureResult>())!.Version);
        await Host.Scenario(x =>
        {
            x.Post.Url($"/api/admin/users/{Guid.NewGuid()}/erase");
            x.StatusCodeShouldBe(404);
        });
    }

    /// <summary>Every table and column of the service's schema that holds <paramref name="value"/> (text, JSON or bytes).</summary>
    private async Task<List<string>> Where(string value)
    {
        var store = Host.Services.GetRequiredService<IDocumentStore>();
        var schema = store.Options.DatabaseSchemaName;
        await using var connection = new NpgsqlConnection(await TestDatabase.ConnectionString());
        await connection.OpenAsync();
        var columns = new List<(string Table, string Column, string Type)>();
        await using (var list = new NpgsqlCommand("""
                         select c.table_name, c.column_name, c.data_type from information_schema.columns c
                         join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
                         where c.table_schema = @schema and t.table_type = 'BASE TABLE'
                           and c.data_type in ('text', 'character varying', 'jsonb', 'json', 'bytea', 'ARRAY', 'USER-DEFINED')
                         """, connection))
        {
            list.Parameters.AddWithValue("schema", schema);
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync()) columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        var found = new List<string>();
        foreach (var (table, column, type) in columns)
        {
            var match = type == "bytea" ? $"position(convert_to(@value, 'UTF8') in \"{column}\") > 0" : $"\"{column}\"::text ilike '%' || @value || '%'";
            await using var probe = new NpgsqlCommand($"select exists (select 1 from {schema}.\"{table}\" where {match})", connection);
            probe.Parameters.AddWithValue("value", value);
            if ((bool)(await probe.ExecuteScalarAsync())!) found.Add($"{table}.{column}");
        }

        return found;
    }
}
