using Marten.EventApp.EventBus;
using Marten.EventApp.Http;
using Wolverine;

namespace Marten.EventApp.Sequences;

public static class SequencesSetup
{
    public static WebApplicationBuilder AddSequences(this WebApplicationBuilder builder)
    {
        var sagas = new SagaSequences();
        builder.Services.AddSingleton<SequenceGate>().AddSingleton(sagas);
        builder.Services.ConfigureMarten(opts => opts.Schema.For<ParkedMessage>()
            .Duplicate(x => x.Consumer).Duplicate(x => x.Key).Duplicate(x => x.Position));
        builder.Services.ConfigureWolverine(opts =>
        {
            opts.Discovery.IncludeType(typeof(SequenceReplayer));
            opts.PublishMessage<ReplaySequence>().ToLocalQueue(SequenceReplayer.Queue);
            opts.LocalQueue(SequenceReplayer.Queue).UseDurableInbox().Sequential();
            opts.Policies.Add(new SagaSequencePolicy(sagas, EventBusOptions.From(builder.Configuration)));
            // the policy, not chain.AddMiddleware: only this one stops the chain on the gate's HandlerContinuation
            opts.Policies.AddMiddleware(typeof(SagaSequenceGate), SagaSequencePolicy.IsSequenced);
        });
        return builder.AddEndpoints(SequenceEndpoints.Map);
    }
}
