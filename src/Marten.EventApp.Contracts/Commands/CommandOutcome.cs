namespace Marten.EventApp.Contracts.Commands;

public enum RejectionKind
{
    Invalid,
    NotFound,
    Conflict,
    VersionMismatch
}

/// <summary>Why a command was refused: a value, never an exception. <c>Errors</c> names fields for
/// <see cref="RejectionKind.Invalid"/>.</summary>
public sealed record Rejection(
    RejectionKind Kind,
    string Title,
    string? Detail = null,
    IReadOnlyDictionary<string, string[]>? Errors = null,
    long? CurrentVersion = null)
{
    public static Rejection Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(RejectionKind.Invalid, "One or more fields are invalid", Errors: errors);

    public static Rejection NotFound(string what) => new(RejectionKind.NotFound, $"{what} was not found");

    public static Rejection Conflict(string title, string? detail = null) => new(RejectionKind.Conflict, title, detail);

    public static Rejection VersionMismatch(long expected, long current) =>
        new(RejectionKind.VersionMismatch, "The expected version does not match",
            $"Expected version {expected}, but the current version is {current}.", CurrentVersion: current);
}

/// <summary>
/// The answer to a command on a stream, the same whether it came over HTTP or a broker (a sender asks for it as
/// the reply, e.g. Wolverine's <c>InvokeAsync&lt;CommandOutcome&gt;</c>): the stream id and its version after the
/// command, or why it was refused. <c>AlreadyApplied</c>: this very message (same message id) had already taken
/// effect, so nothing was written again and <c>Version</c> is the stream's current version.
/// </summary>
public sealed record CommandOutcome(Guid Id, long Version, Rejection? Rejection = null, bool AlreadyApplied = false)
{
    public bool Accepted => Rejection is null;

    public static CommandOutcome Refused(Guid id, Rejection rejection) => new(id, 0, rejection);
}
