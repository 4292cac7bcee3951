using Marten.EventApp.Http;
using Wolverine;

namespace Marten.EventApp.Sequences;

/// <summary>
/// Ordered dead letters: each batched consumer parks an aggregate's events behind one it could not handle
/// (<see cref="SequenceGate"/>), and runs them again in order (<see cref="SequenceReplayer"/>).
/// </summary>
public static class SequencesSetup
{
    public static WebApplicationBuilder AddSequences(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SequenceGate>();
        builder.Services.ConfigureMarten(opts => opts.Schema.For<ParkedMessage>()
            .Duplicate(x => x.Consumer).Duplicate(x => x.Key).Duplicate(x => x.Position));
        builder.Services.ConfigureWolverine(opts =>
        {
            opts.Discovery.IncludeType(typeof(SequenceReplayer));
            opts.PublishMessage<ReplaySequence>().ToLocalQueue(SequenceReplayer.Queue);
            opts.LocalQueue(SequenceReplayer.Queue).UseDurableInbox().Sequential();
        });
        return builder.AddEndpoints(SequenceEndpoints.Map);
    }
}
