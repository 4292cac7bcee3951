using Npgsql;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Marten.EventApp.Persistence;

/// <summary>
/// What the service does while PostgreSQL cannot be reached: wait and try again, never fail the work.
/// </summary>
public static class DatabaseOutages
{
    private const string Description = "transient database failure";

    /// <summary>
    /// The database away pauses the listener and puts the message back, every time, not only on the first attempt: an
    /// outage is not the message's fault and must not spend its retries (then the dead letters, or a saga's failure).
    /// </summary>
    public static void PausesOnTransientDatabaseFailures(this HandlerChain chain, TimeSpan pause) =>
        chain.OnException<NpgsqlException>(e => e.IsTransient, Description)
            .RequeueIndefinitely().AndPauseProcessing(pause);

    /// <inheritdoc cref="PausesOnTransientDatabaseFailures(HandlerChain, TimeSpan)"/>
    public static void PausesOnTransientDatabaseFailures(this WolverineOptions opts, TimeSpan pause) =>
        opts.OnException<NpgsqlException>(e => e.IsTransient, Description)
            .RequeueIndefinitely().AndPauseProcessing(pause);

    public static bool IsTransientDatabaseFailure(this Exception e) => e is NpgsqlException { IsTransient: true };

    /// <summary>
    /// Whether the database could not be reached (or dropped the connection), whatever wrapped Npgsql's error.
    /// </summary>
    public static bool IsDatabaseAway(this Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner.IsTransientDatabaseFailure()) return true;
        return e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsDatabaseAway);
    }
}
