using JasperFx;
using JasperFx.CodeGeneration;
using JasperFx.Events.Daemon;
using JasperFx.Resources;
using Marten.Events;
using Weasel.Core;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Marten;
using Wolverine.RabbitMQ;

namespace Marten.EventApp.Platform;

/// <summary>Marten + Wolverine wiring shared by every feature; features add themselves through the two callbacks.</summary>
public static class CritterStack
{
    public static WebApplicationBuilder AddCritterStack(
        this WebApplicationBuilder builder,
        Action<StoreOptions> features,
        Action<WolverineOptions> handlers)
    {
        var options = builder.Configuration.GetSection(EventAppOptions.Section).Get<EventAppOptions>() ?? new();

        var connectionString = builder.Configuration.GetConnectionString("Marten");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException("ConnectionStrings:Marten is not configured (appsettings.json or ConnectionStrings__Marten).");

        var marten = builder.Services.AddMarten(opts =>
            {
                opts.Connection(ConnectionTuning.WithAutoPrepare(connectionString));
                opts.DatabaseSchemaName = options.SchemaName;
                opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
                opts.Events.StreamIdentity = JasperFx.Events.StreamIdentity.AsGuid;
                opts.Events.AppendMode = JasperFx.Events.EventAppendMode.Quick;
                opts.Events.MetadataConfig.CorrelationIdEnabled = true;
                opts.Events.MetadataConfig.CausationIdEnabled = true;
                opts.Events.MetadataConfig.HeadersEnabled = true;
                opts.Listeners.Add(new EventSchemaVersionStamp());
                features(opts);
            })
            .UseLightweightSessions()
            .IntegrateWithWolverine(w =>
            {
                // several nodes: Wolverine spreads projections and subscriptions across them
                w.UseWolverineManagedEventSubscriptionDistribution = options.Nodes == NodeMode.Distributed;
            });
        if (options.Nodes == NodeMode.Solo) marten.AddAsyncDaemon(DaemonMode.Solo);
        if (options.ApplySchemaOnStartup) builder.Services.AddResourceSetupOnStartup();

        var rabbitMq = builder.Configuration.GetConnectionString("RabbitMq");
        builder.Host.UseWolverine(opts =>
        {
            // handlers are found in this assembly whichever process hosts it (the service, tests, the benchmark)
            opts.ApplicationAssembly = typeof(CritterStack).Assembly;
            opts.CodeGeneration.TypeLoadMode = options.TypeLoadMode;
            opts.Durability.Mode = options.Nodes == NodeMode.Solo ? DurabilityMode.Solo : DurabilityMode.Balanced;

            opts.Policies.AutoApplyTransactions();
            opts.Policies.UseDurableLocalQueues();
            opts.Policies.UseDurableOutboxOnAllSendingEndpoints();
            opts.Policies.UseDurableInboxOnAllListeners();

            // A concurrent append makes the store reject the save; running the handler again re-reads the
            // stream, so a command without an expected version applies to the new state and one with a
            // stale expected version is rejected as a value carrying the current version.
            opts.OnException<ConcurrencyException>().RetryTimes(3);

            if (!string.IsNullOrWhiteSpace(rabbitMq))
                opts.UseRabbitMq(new Uri(rabbitMq)).AutoProvision();

            handlers(opts);
        });

        return builder;
    }
}
