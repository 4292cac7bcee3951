namespace Marten.EventApp.Contracts.Events;

// implemented explicitly, so that the stored and published data keep their own names for it
public interface IDomainEvent
{
    DateTimeOffset OccurredOn { get; }
}
