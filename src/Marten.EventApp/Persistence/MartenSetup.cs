using JasperFx.Events.Daemon;
using JasperFx.Resources;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Weasel.Core;
using Wolverine.Marten;

namespace Marten.EventApp.Persistence;

public static class MartenSetup
{
    public static WebApplicationBuilder AddEventStore(this WebApplicationBuilder builder)
    {
        var options = EventAppOptions.From(builder.Configuration);
        var connectionString = builder.Configuration.GetConnectionString("Marten");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException(
                "ConnectionStrings:Marten is not configured (appsettings.json or ConnectionStrings__Marten).");

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<StoreRules>();
        var marten = builder.Services.AddMarten(opts =>
            {
                opts.Connection(ConnectionTuning.WithAutoPrepare(connectionString));
                opts.DatabaseSchemaName = options.SchemaName;
                opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
                opts.Events.StreamIdentity = JasperFx.Events.StreamIdentity.AsGuid;
                // the stored timestamp is the database's: the service's clock (QuickWithServerTimestamps) costs the
                // write path (BENCHMARKS.md, "What changes bought"); the domain events carry their own time
                opts.Events.AppendMode = JasperFx.Events.EventAppendMode.Quick;
                opts.Events.MetadataConfig.CorrelationIdEnabled = true;
                opts.Events.MetadataConfig.CausationIdEnabled = true;
                opts.Events.MetadataConfig.HeadersEnabled = true;
                opts.Listeners.Add(new EventSchemaVersionStamp());

                // an event a projection cannot apply or read stops its shard rather than silently skewing a count;
                // unknown event types are skipped: that is how a projection ignores what it does not need
                opts.Projections.Errors.SkipApplyErrors = false;
                opts.Projections.Errors.SkipSerializationErrors = false;
                opts.Projections.Errors.SkipUnknownEvents = true;
                // idle as busy: under a steady stream the daemon is often "caught up", and a longer idle wait raised
                // the bus's commit-to-consumer latency (BENCHMARKS.md, 6a, 6b)
                opts.Projections.FastPollingTime = options.DaemonPolling;
                opts.Projections.SlowPollingTime = options.DaemonPolling;
            })
            .UseLightweightSessions()
            .IntegrateWithWolverine(w =>
            {
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
