using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Alba;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Orders;
using Marten.EventApp.Security;

namespace Marten.EventApp.IntegrationTests.Platform;

// "in" means the route let the caller through: any answer but 401 and 403 (a 400 for a deliberately invalid body,
// a 404, a 409)
[Collection(AppCollection.Name)]
public sealed class when_callers_act_within_their_scope(AppFixture fixture)
{
    private IAlbaHost Host => fixture.Host;

    private const string In = "in", No = "403";

    // one column per token kind, in this order
    private static readonly string[] Kinds = ["own customer", "another customer", "service", "service with users:read",
        "admin", "no role"];

    [Fact]
    public async Task each_route_lets_in_whom_it_should_and_no_one_else()
    {
        var owner = await Host.RegisteredUser();
        var order = await Host.Scenario(x =>
        {
            x.Post.Json(new { customerId = owner.Id,
                lines = new[] { new { sku = "BOOK-1", quantity = 1, unitPrice = 5m } } }).ToUrl("/api/orders");
            x.StatusCodeShouldBe(201);
        });
        var orderId = (await order.ReadAsJsonAsync<OrderVersion>())!.Id;
        string[] tokens =
        [
            TestAuth.Token([Scopes.CustomerRole], subject: owner.Id.ToString()),
            TestAuth.Token([Scopes.CustomerRole], subject: Guid.NewGuid().ToString()),
            TestAuth.Token([Scopes.ServiceRole]),
            TestAuth.Token([Scopes.ServiceRole], scopes: [Scopes.UsersRead]),
            TestAuth.AdminToken,
            TestAuth.Token(["reader"])
        ];
        var u = $"/api/users/{owner.Id}";
        // method, url, body, then what each kind gets
        (string Method, string Url, string? Body, string[] Expected)[] table =
        [
            ("GET", u, null, [In, No, In, In, In, No]),
            ("PATCH", u, "{}", [In, No, In, No, In, No]),
            ("POST", $"{u}/deactivate", """{"reason":""}""", [In, No, In, No, In, No]),
            ("GET", $"{u}/activity", null, [In, No, In, In, In, No]),
            ("GET", $"{u}/preferences", null, [In, No, In, In, In, No]),
            ("GET", $"{u}/events", null, [In, No, In, No, In, No]),
            ("GET", $"{u}?version=1", null, [In, No, In, In, In, No]),
            ("GET", "/api/users?email=a@example.com", null, [No, No, In, In, In, No]),
            ("GET", "/api/users/search?term=abc", null, [No, No, In, In, In, No]),
            ("GET", "/api/users/statistics", null, [No, No, In, No, In, No]),
            ("POST", "/api/users", $$"""{"id":"{{owner.Id}}","email":"not an email"}""", [In, No, In, No, In, No]),
            ("GET", $"/api/orders/{orderId}", null, [In, No, In, No, In, No]),
            ("GET", $"/api/orders?customerId={owner.Id}", null, [In, No, In, No, In, No]),
            ("GET", "/api/orders", null, [In, In, In, No, In, No]),
            ("POST", "/api/orders", $$"""{"customerId":"{{owner.Id}}","lines":[]}""", [In, No, In, No, In, No]),
            ("POST", $"/api/orders/{orderId}/shipment", "{}", [No, No, In, No, In, No]),
            ("GET", "/api/events", null, [No, No, In, No, In, No]),
            ("GET", "/api/sagas", null, [No, No, In, No, In, No]),
            ("GET", "/api/monitoring/events", null, [No, No, In, No, In, No]),
            ("GET", "/api/analytics/daily", null, [No, No, In, No, In, No]),
            ("GET", "/api/admin/dead-letters", null, [No, No, No, No, In, No])
        ];

        var wrong = new List<string>();
        foreach (var (method, url, body, expected) in table)
        for (var kind = 0; kind < Kinds.Length; kind++)
        {
            using var client = Host.Server.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens[kind]);
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            var got = status is 401 or 403 ? status.ToString() : status >= 500 ? $"{status}!" : In;
            if (got != expected[kind])
                wrong.Add($"{method} {url} as {Kinds[kind]}: {status}, expected {expected[kind]}");
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task who_deactivated_a_user_is_the_tokens_subject_whatever_the_body_says()
    {
        var user = await Host.RegisteredUser();
        using var client = Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            TestAuth.Token([Scopes.ServiceRole], subject: "support-desk"));

        using var response = await client.PostAsync($"/api/users/{user.Id}/deactivate",
            new StringContent("""{"reason":"asked to leave","deactivatedBy":"mallory"}""",
                Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var deactivated = (await Host.StoredEvents(user.Id)).Last();
        Assert.Equal("support-desk",
            ((System.Text.Json.JsonElement)deactivated.Data).GetProperty("deactivatedBy").GetString());
    }

    [Fact]
    public async Task a_customer_registers_itself_and_orders_for_itself_only()
    {
        var self = Guid.CreateVersion7();
        using var client = Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            TestAuth.Token([Scopes.CustomerRole], subject: self.ToString()));

        // no id given: the token's subject is the new user's id
        using var registered = await client.PostAsync("/api/users", new StringContent(
            $$"""{"email":"{{UserScenarios.UniqueEmail("self")}}","firstName":"Sel","lastName":"F"}""",
            Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.Equal($"/api/users/{self}", registered.Headers.Location?.ToString());

        // no customer named: its own order
        using var placed = await client.PostAsync("/api/orders", new StringContent(
            """{"lines":[{"sku":"BOOK-1","quantity":1,"unitPrice":5}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        using var mine = await client.GetAsync("/api/orders");
        Assert.Contains(self.ToString(), await mine.Content.ReadAsStringAsync());
    }
}
