namespace Marten.EventApp.Orders;

public enum SimulatedAnswer { Approve, Decline, NoAnswer }

public sealed class OrderOptions
{
    public const string Section = "EventApp:Orders";

    public bool ProcessEnabled { get; set; } = true;

    public TimeSpan PaymentTimeout { get; set; } = TimeSpan.FromMinutes(15);
    public TimeSpan InventoryTimeout { get; set; } = TimeSpan.FromMinutes(5);

    // off: the commands go to the queues below on RabbitMQ and the services' answers come back on the command queue
    public bool Simulators { get; set; } = true;
    public SimulatedAnswer Payment { get; set; } = SimulatedAnswer.Approve;
    public SimulatedAnswer Inventory { get; set; } = SimulatedAnswer.Approve;

    public string PaymentQueue { get; set; } = "payments.commands";
    public string InventoryQueue { get; set; } = "inventory.commands";
    public string ShippingQueue { get; set; } = "shipping.commands";
    public string NotificationQueue { get; set; } = "notifications.commands";

    public static OrderOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<OrderOptions>() ?? new();
}
