using Marten.EventApp.EventBus;
using Marten.EventApp.Http;
using Wolverine;

namespace Marten.EventApp.Sequences;

/// <summary>
/// Ordered dead letters: each batched consumer parks an aggregate's events behind one it could not handle
/// (<see cref="SequenceGate"/>), each saga its messages behind one it could not handle (<see cref="SagaSequenceGate"/>),
/// and the replayer runs them again in order (<see cref="SequenceReplayer"/>).
/// </summary>
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
            opts.Policies.AddMiddleware(typeof(SagaSequenceGate), SagaSequencePolicy.IsSequenced);
        });
        return builder.AddEndpoints(SequenceEndpoints.Map);
    }
}
