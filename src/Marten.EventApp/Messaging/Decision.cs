using Marten.EventApp.Contracts.Commands;

namespace Marten.EventApp.Messaging;

// Messages go through the outbox once the events commit, in the same transaction; a delayed one as
// message.DelayedFor(time).
public sealed record Decision(IReadOnlyList<object> Events, IReadOnlyList<object> Messages, Rejection? Rejection = null)
{
    public static readonly Decision Nothing = new([], []);

    public static Decision Accept(params object[] events) => new(events, []);

    public static Decision Reject(Rejection rejection) => new([], [], rejection);

    public Decision AndSend(params object[] messages) => this with { Messages = [.. Messages, .. messages] };

    public static implicit operator Decision(Rejection rejection) => Reject(rejection);
}
