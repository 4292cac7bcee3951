namespace Marten.EventApp.Contracts.Commands;

public enum RejectionKind
{
    Invalid,
    NotFound,
    Conflict,
    VersionMismatch
}

// a value, never an exception; Errors names fields for RejectionKind.Invalid
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

// The same answer over HTTP or a broker (a sender asks for it as the reply). AlreadyApplied: this very message had
// already taken effect, so nothing was written again and Version is the stream's current one.
public sealed record CommandOutcome(Guid Id, long Version, Rejection? Rejection = null, bool AlreadyApplied = false)
{
    public bool Accepted => Rejection is null;

    public static CommandOutcome Refused(Guid id, Rejection rejection) => new(id, 0, rejection);
}
