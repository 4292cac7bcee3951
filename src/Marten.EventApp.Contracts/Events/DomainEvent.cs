namespace Marten.EventApp.Contracts.Events;

/// <summary>
/// A domain event: it knows when it occurred (the seed's <c>occurredOn</c>), decided by the service's clock.
/// Implemented explicitly, so that the stored and published data keep their own names for it.
/// </summary>
public interface IDomainEvent
{
    DateTimeOffset OccurredOn { get; }
}
