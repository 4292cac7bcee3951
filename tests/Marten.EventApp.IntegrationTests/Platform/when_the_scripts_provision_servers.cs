using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Marten.EventApp.IntegrationTests.Platform;

// where Docker runs the fixtures' servers instead (Testcontainers), there is nothing of the scripts' to check
public sealed class when_the_scripts_provision_servers
{
    private static string? ScriptBroker => Environment.GetEnvironmentVariable("EVENTAPP_TEST_RABBITMQ");

    [Fact]
    public async Task the_broker_lets_no_guest_in_and_its_own_user_has_a_password_of_its_own()
    {
        if (string.IsNullOrEmpty(ScriptBroker)) return;  // Testcontainers' broker, not the scripts'
        var broker = new Uri(ScriptBroker);
        Assert.StartsWith("eventapp:", broker.UserInfo);
        Assert.NotEqual("eventapp:guest", broker.UserInfo);

        var guest = new ConnectionFactory { Uri = new UriBuilder(broker) { UserName = "guest",
            Password = "guest" }.Uri };
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => guest.CreateConnectionAsync());
        var causes = new List<Exception>();
        for (var e = refused; e is not null; e = e.InnerException) causes.Add(e);
        Assert.Contains(causes, e => e is AuthenticationFailureException || e.Message.Contains("ACCESS_REFUSED"));
    }

    [Fact]
    public void the_servers_data_is_readable_by_its_owner_alone()
    {
        if (string.IsNullOrEmpty(ScriptBroker) || OperatingSystem.IsWindows()) return;
        var local = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", ".local");
        Assert.True(Directory.Exists(local), $"{local} does not exist");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(local));
    }
}
