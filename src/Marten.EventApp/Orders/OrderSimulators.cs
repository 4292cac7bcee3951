using Marten.EventApp.Contracts.Orders;
using Marten.EventApp.Sagas;

namespace Marten.EventApp.Orders;

// In-process stand-ins (EventApp:Orders:Simulators), not handlers by Wolverine's naming convention: registered only
// when the simulators are on. They answer at once, so the process runs their steps in line.
public static class OrderSimulators
{
    // a service that never answers leaves the step to its timeout
    public static Task<SagaEffects> RunInlineAsync(OrderSaga saga, SagaEffects effects, OrderOptions options,
        TimeProvider clock, ILoggerFactory logs, DateTimeOffset now) =>
        InlineSteps.RunAsync(effects, now, clock, (message, at) => Task.FromResult<SagaEffects?>(message switch
        {
            ProcessPayment payment => Handle(payment, options) switch
            {
                PaymentSucceeded paid => saga.On(paid, options, at),
                PaymentDeclined declined => saga.On(declined, at),
                _ => new SagaEffects()
            },
            ReserveInventory reserve => Handle(reserve, options) switch
            {
                InventoryReservationConfirmed reserved => saga.On(reserved, at),
                InventoryReservationRejected rejected => saga.On(rejected, at),
                _ => new SagaEffects()
            },
            RefundPayment refund => Logged(() => Handle(refund, logs)),
            FulfillOrder fulfil => Logged(() => Handle(fulfil, logs)),
            SendOrderConfirmation confirmation => Logged(() => Handle(confirmation, logs)),
            _ => null
        }));

    private static SagaEffects Logged(Action log)
    {
        log();
        return new SagaEffects();
    }

    public static object? Handle(ProcessPayment cmd, OrderOptions options) => options.Payment switch
    {
        SimulatedAnswer.Approve =>
            new PaymentSucceeded(cmd.OrderId, "pay_" + Guid.CreateVersion7().ToString("N")[..12]),
        SimulatedAnswer.Decline => new PaymentDeclined(cmd.OrderId, "Card declined (simulated)"),
        _ => null
    };

    public static object? Handle(ReserveInventory cmd, OrderOptions options) => options.Inventory switch
    {
        SimulatedAnswer.Approve =>
            new InventoryReservationConfirmed(cmd.OrderId, "res_" + Guid.CreateVersion7().ToString("N")[..12]),
        SimulatedAnswer.Decline => new InventoryReservationRejected(cmd.OrderId, "Out of stock (simulated)"),
        _ => null
    };

    public static void Handle(RefundPayment cmd, ILoggerFactory logs) =>
        Log(logs).LogInformation("Simulated refund of {Amount} for order {OrderId}", cmd.Amount, cmd.OrderId);

    public static void Handle(FulfillOrder cmd, ILoggerFactory logs) =>
        Log(logs).LogInformation(
            "Simulated warehouse asked to fulfil order {OrderId}; it reports the shipment over HTTP", cmd.OrderId);

    public static void Handle(SendOrderConfirmation cmd, ILoggerFactory logs) =>
        Log(logs).LogInformation("Simulated confirmation of order {OrderId} sent to customer {CustomerId}",
            cmd.OrderId, cmd.CustomerId);

    private static ILogger Log(ILoggerFactory logs) => logs.CreateLogger(typeof(OrderSimulators));
}
