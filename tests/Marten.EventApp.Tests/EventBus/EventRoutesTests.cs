using Marten.EventApp.EventBus;

namespace Marten.EventApp.Tests.EventBus;

// without a broker, binding keys must match as RabbitMQ's topic exchange would
public sealed class the_event_routes
{
    private const string Registered = "UserRegistered.0199b6a2-5f7e-7c3e-9d1a-2f0c4b8e6a11";

    [Theory]
    [InlineData("UserRegistered.*", Registered, true)]
    [InlineData("#", Registered, true)]
    [InlineData("*.*", Registered, true)]
    [InlineData("UserRegistered.#", Registered, true)]
    [InlineData("#.0199b6a2-5f7e-7c3e-9d1a-2f0c4b8e6a11", Registered, true)]
    [InlineData("UserRegistered.#.*", Registered, true)]
    [InlineData("UserRegistered", Registered, false)]
    [InlineData("UserRegistered.*.*", Registered, false)]
    [InlineData("*", Registered, false)]
    [InlineData("OrderCreated.*", Registered, false)]
    [InlineData("UserReg*.*", Registered, false)]
    [InlineData("userregistered.*", Registered, false)]
    public void a_binding_key_matches_as_a_topic_exchange_does(string bindingKey, string routingKey, bool matches) =>
        Assert.Equal(matches, EventRoutes.Matches(bindingKey, routingKey));
}
