using Marten.EventApp.Contracts.Orders;

namespace Marten.EventApp.Orders;

/// <summary>
/// The payment, inventory, shipping and notification services as in-process stand-ins (EventApp:Orders:Simulators):
/// payment and inventory approve, decline or never answer as configured; the others only log what they were asked.
/// Not a handler by Wolverine's naming convention: registered only when the simulators are on.
/// </summary>
public static class OrderSimulators
{
    public static object? Handle(ProcessPayment cmd, OrderOptions options) => options.Payment switch
    {
        SimulatedAnswer.Approve => new PaymentSucceeded(cmd.OrderId, "pay_" + Guid.CreateVersion7().ToString("N")[..12]),
        SimulatedAnswer.Decline => new PaymentDeclined(cmd.OrderId, "Card declined (simulated)"),
        _ => null
    };

    public static object? Handle(ReserveInventory cmd, OrderOptions options) => options.Inventory switch
    {
        SimulatedAnswer.Approve => new InventoryReservationConfirmed(cmd.OrderId, "res_" + Guid.CreateVersion7().ToString("N")[..12]),
        SimulatedAnswer.Decline => new InventoryReservationRejected(cmd.OrderId, "Out of stock (simulated)"),
        _ => null
    };

    public static void Handle(RefundPayment cmd, ILogger<ProcessPayment> logger) =>
        logger.LogInformation("Simulated refund of {Amount} for order {OrderId}", cmd.Amount, cmd.OrderId);

    public static void Handle(FulfillOrder cmd, ILogger<FulfillOrder> logger) =>
        logger.LogInformation("Simulated warehouse asked to fulfil order {OrderId}; it reports the shipment over HTTP", cmd.OrderId);

    public static void Handle(SendOrderConfirmation cmd, ILogger<SendOrderConfirmation> logger) =>
        logger.LogInformation("Simulated confirmation of order {OrderId} sent to customer {CustomerId}", cmd.OrderId, cmd.CustomerId);
}
