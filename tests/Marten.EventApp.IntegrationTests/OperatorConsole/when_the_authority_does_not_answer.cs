using System.Net.Sockets;
using Alba;

namespace Marten.EventApp.IntegrationTests.OperatorConsole;

// An authority that is down: the console's page still loads (a pasted token still works), and its sign-in settings
// say why the authority's sign-in is missing instead of failing
[Collection(OwnHostsCollection.Name)]
public sealed class when_the_authority_does_not_answer : IAsyncLifetime
{
    private IAlbaHost _host = null!;
    private string _authority = null!;

    public async Task InitializeAsync()
    {
        // a port nobody listens on
        using (var listener = new TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            _authority = $"http://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}";
        }

        _host = await TestHost.StartAsync("eventapp_console_no_authority", settings: new Dictionary<string, string>
        {
            ["EventApp:Auth:Authority"] = _authority,
            ["EventApp:Console:ClientId"] = "eventapp-console"
        });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task the_page_loads_and_its_sign_in_settings_say_the_authority_is_unread()
    {
        var page = await _host.Scenario(x => x.Get.Url("/console/"));
        Assert.Contains($"connect-src 'self' {_authority};",
            page.Context.Response.Headers.ContentSecurityPolicy.ToString());

        var settings = await _host.Scenario(x =>
        {
            x.Get.Url("/console/sign-in");
            x.StatusCodeShouldBe(503);
        });
        Assert.Equal("application/problem+json", settings.Context.Response.ContentType);
        Assert.Contains("The authority's metadata could not be read", await settings.ReadAsTextAsync());
    }
}
