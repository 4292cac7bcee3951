using Marten.EventApp.Contracts.Commands;

namespace Marten.EventApp.Messaging;

/// <summary>
/// What a pure decision function returns: the events to append (none is a valid outcome) and the messages to send
/// once they commit (through the outbox, in the same transaction; a delayed one as <c>message.DelayedFor(time)</c>),
/// or why the command is refused.
/// </summary>
public sealed record Decision(IReadOnlyList<object> Events, IReadOnlyList<object> Messages, Rejection? Rejection = null)
{
    public static readonly Decision Nothing = new([], []);

    public static Decision Accept(params object[] events) => new(events, []);

    public static Decision Reject(Rejection rejection) => new([], [], rejection);

    public Decision AndSend(params object[] messages) => this with { Messages = [.. Messages, .. messages] };

    public static implicit operator Decision(Rejection rejection) => Reject(rejection);
}
