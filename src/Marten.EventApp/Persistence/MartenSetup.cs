using JasperFx.Events.Daemon;
using JasperFx.Resources;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Weasel.Core;
using Wolverine.Marten;

namespace Marten.EventApp.Persistence;

/// <summary>The event store: Marten on PostgreSQL, integrated with Wolverine's outbox. Features add their parts with
/// ConfigureMarten.</summary>
public static class MartenSetup
{
    public static WebApplicationBuilder AddEventStore(this WebApplicationBuilder builder)
    {
        var options = EventAppOptions.From(builder.Configuration);
        var connectionString = builder.Configuration.GetConnectionString("Marten");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException("ConnectionStrings:Marten is not configured (appsettings.json or ConnectionStrings__Marten).");

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<StoreRules>();
        var marten = builder.Services.AddMarten(opts =>
            {
                opts.Connection(ConnectionTuning.WithAutoPrepare(connectionString));
                opts.DatabaseSchemaName = options.SchemaName;
                opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
                opts.Events.StreamIdentity = JasperFx.Events.StreamIdentity.AsGuid;
                // the stored timestamp is the database's: timestamps from the service's clock
                // (QuickWithServerTimestamps) cost 1c a quarter of its rate (1770 → 1331/s); the domain events carry
                // their own time instead
                opts.Events.AppendMode = JasperFx.Events.EventAppendMode.Quick;
                opts.Events.MetadataConfig.CorrelationIdEnabled = true;
                opts.Events.MetadataConfig.CausationIdEnabled = true;
                opts.Events.MetadataConfig.HeadersEnabled = true;
                opts.Listeners.Add(new EventSchemaVersionStamp());

                // Async projections fail loudly: an event a projection cannot apply (or read) stops that shard, visible
                // in its state, instead of being skipped into a silently wrong count. Event types a projection does not
                // handle are skipped: that is how a projection ignores what it does not need, new types included.
                opts.Projections.Errors.SkipApplyErrors = false;
                opts.Projections.Errors.SkipSerializationErrors = false;
                opts.Projections.Errors.SkipUnknownEvents = true;
                // how soon the daemon sees new events: the bus's commit-to-consumer latency (BENCHMARKS.md, rows 6a,
                // 6b); idle as busy: under a steady stream it is often "caught up", and a longer idle wait doubled the
                // latency
                opts.Projections.FastPollingTime = options.DaemonPolling;
                opts.Projections.SlowPollingTime = options.DaemonPolling;
            })
            .UseLightweightSessions()
            .IntegrateWithWolverine(w =>
            {
                // several nodes: Wolverine spreads projections and subscriptions across them
                w.UseWolverineManagedEventSubscriptionDistribution = options.Nodes == NodeMode.Distributed;
            });
        // the clock of decisions (each domain event's time): a test sets its own
        builder.Services.TryAddSingleton(TimeProvider.System);
        // refusals the store enforces (taken id, taken email, lost race) are answers: logged in one line at Debug
        builder.Services.ConfigureMarten((services, opts) =>
            opts.Logger(new StoreLogger(services.GetRequiredService<ILogger<IDocumentStore>>(),
                services.GetRequiredService<StoreRules>())));
        if (options.Nodes == NodeMode.Solo) marten.AddAsyncDaemon(DaemonMode.Solo);
        if (options.ApplySchemaOnStartup) builder.Services.AddResourceSetupOnStartup();
        return builder;
    }
}
