using Alba;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Marten.EventApp.IntegrationTests.Users;

[Collection(AppCollection.Name)]
public sealed class when_reading_users(AppFixture fixture)
{
    private IAlbaHost Host => fixture.Host;

    private async Task<UserSearchResult> Search(string query)
    {
        var result = await Host.Scenario(x => x.Get.Url($"/api/users/search?{query}"));
        return (await result.ReadAsJsonAsync<UserSearchResult>())!;
    }

    [Fact]
    public async Task get_answers_the_read_model_with_its_etag()
    {
        var user = await Host.RegisteredUser(firstName: "Ada", lastName: "King");
        await Host.Scenario(x => x.Patch.Json(new { firstName = "Augusta" }).ToUrl($"/api/users/{user.Id}"));
        var result = await Host.Scenario(x =>
        {
            x.Get.Url($"/api/users/{user.Id}");
            x.Header("ETag").SingleValueShouldEqual("\"2\"");
        });
        var body = (await result.ReadAsJsonAsync<UserDetails>())!;
        Assert.Equal((user.Id, "Augusta", "Augusta King", 2L, true),
            (body.Id, body.FirstName, body.FullName, body.Version, body.IsActive));
    }

    [Fact]
    public async Task an_unknown_user_is_404() =>
        await (await Host.Scenario(x =>
        {
            x.Get.Url($"/api/users/{Guid.NewGuid()}");
            x.StatusCodeShouldBe(404);
        })).ProblemShouldBe(404);

    [Fact]
    public async Task time_travel_returns_the_user_as_it_was_at_a_version_or_a_time()
    {
        var user = await Host.RegisteredUser(firstName: "First");
        await Host.Scenario(x => x.Patch.Json(new { firstName = "Second" }).ToUrl($"/api/users/{user.Id}"));
        await Host.Deactivated(user.Id);
        // ?at= compares with the time each event was stored, as the event feed shows it
        var registeredAt = (await Host.StoredEvents(user.Id))[0].Timestamp;

        var v1 = await Host.UserDetails(user.Id, "?version=1");
        Assert.Equal(("First", true, 1L), (v1.FirstName, v1.IsActive, v1.Version));
        var v2 = await Host.UserDetails(user.Id, "?version=2");
        Assert.Equal(("Second", true, 2L), (v2.FirstName, v2.IsActive, v2.Version));

        var then = await Host.UserDetails(user.Id, $"?at={Uri.EscapeDataString(registeredAt.ToString("O"))}");
        Assert.Equal(("First", 1L), (then.FirstName, then.Version));
        Assert.False((await Host.UserDetails(user.Id)).IsActive);
    }

    [Theory]
    [InlineData("?version=9", 404)]
    [InlineData("?at=2001-01-01T00:00:00Z", 404)]
    [InlineData("?version=0", 400)]
    [InlineData("?version=1&at=2030-01-01T00:00:00Z", 400)]
    [InlineData("?at=yesterday", 400)]
    public async Task time_travel_outside_the_stream_or_malformed_is_an_error(string query, int status)
    {
        var user = await Host.RegisteredUser();
        await (await Host.Scenario(x =>
        {
            x.Get.Url($"/api/users/{user.Id}{query}");
            x.StatusCodeShouldBe(status);
        })).ProblemShouldBe(status);
    }

    [Fact]
    public async Task replaying_the_stream_yields_the_stored_read_model()
    {
        var user = await Host.RegisteredUser();
        await Host.Scenario(x => x.Patch.Json(new { address = "1 Infinite Loop", birthDate = "1980-01-02" })
            .ToUrl($"/api/users/{user.Id}"));
        await Host.Deactivated(user.Id);

        var store = Host.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var stored = await session.LoadAsync<UserDetails>(user.Id);
        var replayed = await session.Events.AggregateStreamAsync<UserDetails>(user.Id);
        Assert.NotNull(stored);
        Assert.Equal(stored, replayed);
    }

    [Fact]
    public async Task by_email_lists_users_whose_email_contains_the_text_in_any_case()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var a = await Host.RegisteredUser($"alice.{marker}@example.com");
        var b = await Host.RegisteredUser($"bob.{marker}@Example.org");
        await Host.RegisteredUser(UserScenarios.UniqueEmail("carol"));

        var result = await Host.Scenario(x => x.Get.Url($"/api/users?email={marker.ToUpperInvariant()}"));
        var users = (await result.ReadAsJsonAsync<List<UserDetails>>())!;
        Assert.Equal(new[] { a.Id, b.Id }.Order(), users.Select(u => u.Id).Order());
    }

    [Theory]
    [InlineData("/api/users")]
    [InlineData("/api/users?email=%20")]
    [InlineData("/api/users?email=x&limit=0")]
    [InlineData("/api/users?email=ada%1Flove")]
    [InlineData("/api/users/search?term=ada%0Alove")]
    public async Task by_email_without_text_or_with_a_bad_limit_is_400(string url) =>
        await (await Host.Scenario(x =>
        {
            x.Get.Url(url);
            x.StatusCodeShouldBe(400);
        })).ProblemShouldBe(400);

    [Fact]
    public async Task search_finds_active_users_by_name_or_email_newest_first_with_the_total()
    {
        var marker = "Zq" + Guid.NewGuid().ToString("N")[..10];
        var byFirstName = await Host.RegisteredUser(firstName: marker + "a");
        var byLastName = await Host.RegisteredUser(lastName: "x" + marker.ToLowerInvariant());
        var byEmail = await Host.RegisteredUser($"{marker}@example.com");
        var deactivated = await Host.RegisteredUser(firstName: marker);
        await Host.Deactivated(deactivated.Id);
        // the oldest registration becomes the most recently updated
        await Host.Scenario(x => x.Patch.Json(new { address = "Somewhere" }).ToUrl($"/api/users/{byFirstName.Id}"));

        var all = await Search($"term={marker.ToUpperInvariant()}");
        Assert.Equal(3, all.Total);
        Assert.False(all.TotalCapped);
        Assert.Equal([byFirstName.Id, byEmail.Id, byLastName.Id], all.Users.Select(u => u.Id));

        var page = await Search($"term={marker}&limit=1&offset=1");
        Assert.Equal(3, page.Total);
        Assert.Equal([byEmail.Id], page.Users.Select(u => u.Id));
    }

    [Fact]
    public async Task the_email_lookup_matches_the_email_only_and_no_match_spans_the_name_and_the_email()
    {
        var marker = "zq" + Guid.NewGuid().ToString("N")[..10];
        var user = await Host.RegisteredUser($"{marker}.mail@example.org", firstName: "Named" + marker);

        async Task<List<Guid>> Lookup(string email) =>
            (await (await Host.Scenario(x => x.Get.Url($"/api/users?email={Uri.EscapeDataString(email)}")))
                .ReadAsJsonAsync<List<UserDetails>>())!
            .Select(u => u.Id).ToList();

        Assert.Equal([user.Id], await Lookup($"{marker}.MAIL"));
        Assert.Equal([user.Id], await Lookup($"{marker}.mail@example.org"));
        Assert.Empty(await Lookup($"named{marker}"));                  // the name, not the email
        Assert.Empty(await Lookup($"{marker}.mail@example.net"));      // the part before @ matches, the domain does not
        // the end of the full name and the start of the email are not one text
        Assert.Equal(0, (await Search($"term={Uri.EscapeDataString($"Lovelace {marker}.mail")}")).Total);
        Assert.Equal(1, (await Search($"term=Named{marker}")).Total);
    }

    [Fact]
    public async Task users_projected_before_the_search_column_existed_are_found_once_it_is_filled_at_start()
    {
        var marker = "Zq" + Guid.NewGuid().ToString("N")[..10];
        var user = await Host.RegisteredUser(firstName: marker);
        var store = Host.Services.GetRequiredService<IDocumentStore>();
        await using (var connection = store.Storage.Database.CreateConnection())
        {
            await connection.OpenAsync();
            await new NpgsqlCommand(
                $"update {store.Options.Schema.For<UserDetails>()} set search_text = null where id = '{user.Id}'",
                connection).ExecuteNonQueryAsync();
        }
        Assert.Equal(0, (await Search($"term={marker}")).Total);

        var backfill = Host.Services.GetServices<IHostedService>().OfType<SearchTextBackfill>().Single();
        await backfill.StartAsync(CancellationToken.None);
        Assert.Equal([user.Id], (await Search($"term={marker}")).Users.Select(u => u.Id));

        // and the column keeps the statistics the search's estimates rest on
        await using var check = store.Storage.Database.CreateConnection();
        await check.OpenAsync();
        var target = await new NpgsqlCommand($"""
            select attstattarget::int from pg_attribute
            where attrelid = '{store.Options.Schema.For<UserDetails>(qualified: true)}'::regclass
              and attname = 'search_text'
            """, check).ExecuteScalarAsync();
        Assert.Equal(SearchTextBackfill.StatisticsTarget, target);
    }

    [Fact]
    public async Task search_treats_like_wildcards_in_the_term_as_text()
    {
        var marker = Guid.NewGuid().ToString("N")[..10];
        await Host.RegisteredUser(firstName: marker + "abc");
        Assert.Equal(0, (await Search($"term={marker}%25c")).Total);
        Assert.Equal(0, (await Search($"term={marker}_bc")).Total);
        Assert.Equal(1, (await Search($"term={marker}ab")).Total);
    }

    [Theory]
    [InlineData("")]
    [InlineData("term=")]
    [InlineData("term=a&limit=0")]
    [InlineData("term=a&limit=101")]
    [InlineData("term=a&offset=-1")]
    [InlineData("term=a&limit=ten")]
    public async Task search_with_a_bad_query_is_400(string query) =>
        await (await Host.Scenario(x =>
        {
            x.Get.Url($"/api/users/search?{query}");
            x.StatusCodeShouldBe(400);
        })).ProblemShouldBe(400);

    [Fact]
    public async Task search_and_email_lookup_are_served_by_the_trigram_index()
    {
        var store = Host.Services.GetRequiredService<IDocumentStore>();
        await using var connection = new NpgsqlConnection(
            store.Options.Tenancy.Default.Database.CreateConnection().ConnectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        // with a handful of rows a scan is cheaper; forbid it to show that the index matches the query's expression
        await new NpgsqlCommand("set local enable_seqscan = off", connection, tx).ExecuteNonQueryAsync();
        var plan = new List<string>();
        var sql = $"explain select id from {store.Options.Schema.For<UserDetails>()} where search_text like '%love%'";
        await using (var reader = await new NpgsqlCommand(sql, connection, tx).ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        }

        Assert.Contains($"Bitmap Index Scan on {UsersConfiguration.SearchTextIndex}", string.Join('\n', plan));
    }
}
