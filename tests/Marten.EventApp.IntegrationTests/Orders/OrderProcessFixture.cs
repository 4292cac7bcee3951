using Alba;
using JasperFx.Core;
using Marten.EventApp.Orders;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Persistence;
using Wolverine.Runtime;

namespace Marten.EventApp.IntegrationTests.Orders;

// the simulators are silent and the tests answer for them, so that every path (late, duplicate, racing) is theirs
public sealed class OrderProcessFixture : IAsyncLifetime
{
    public static readonly TimeSpan StepTimeout = 1.Minutes();

    public IAlbaHost Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await TestHost.StartAsync("eventapp_orders", settings: new Dictionary<string, string>
    {
        ["EventApp:Orders:ProcessEnabled"] = "true",
        ["EventApp:Orders:Payment"] = nameof(SimulatedAnswer.NoAnswer),
        ["EventApp:Orders:Inventory"] = nameof(SimulatedAnswer.NoAnswer),
        ["EventApp:Orders:PaymentTimeout"] = StepTimeout.ToString(),
        ["EventApp:Orders:InventoryTimeout"] = StepTimeout.ToString()
    }, services: s => s.ConfigureWolverine(o => o.Durability.ScheduledJobPollingTime = 1.Seconds()));

    public Task ResetAsync() => Host.ResetAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class OrderProcessCollection : ICollectionFixture<OrderProcessFixture>
{
    public const string Name = "order-process";
}
