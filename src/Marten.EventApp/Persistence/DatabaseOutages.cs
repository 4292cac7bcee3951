using Npgsql;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Marten.EventApp.Persistence;

public static class DatabaseOutages
{
    private const string Description = "transient database failure";

    // every time, not only on the first attempt: an outage is not the message's fault and must not spend its retries
    public static void PausesOnTransientDatabaseFailures(this HandlerChain chain, TimeSpan pause) =>
        chain.OnException<NpgsqlException>(e => e.IsTransient, Description)
            .RequeueIndefinitely().AndPauseProcessing(pause);

    public static void PausesOnTransientDatabaseFailures(this WolverineOptions opts, TimeSpan pause) =>
        opts.OnException<NpgsqlException>(e => e.IsTransient, Description)
            .RequeueIndefinitely().AndPauseProcessing(pause);

    public static bool IsTransientDatabaseFailure(this Exception e) => e is NpgsqlException { IsTransient: true };

    public static bool IsDatabaseAway(this Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner.IsTransientDatabaseFailure()) return true;
        return e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsDatabaseAway);
    }
}
