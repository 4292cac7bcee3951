using Alba;
using Marten.EventApp.DeadLetters;
using Marten.EventApp.Sequences;

namespace Marten.EventApp.IntegrationTests;

public static class SequenceOperations
{
    public const string Sequences = "/api/admin/dead-letters/sequences";
    private const string DeadLetters = "/api/admin/dead-letters";

    public static Task<ParkedSequence> OnlySequenceAsync(this IAlbaHost host, Func<ParkedSequence, bool> shape) =>
        Tracking.Eventually(async () =>
        {
            var page = await host.GetAsJson<SequencePage>(Sequences);
            return page!.Sequences is [var one] && shape(one) ? one : null;
        }, TimeSpan.FromSeconds(90));

    public static async Task<long> ReplaySequenceAsync(this IAlbaHost host, string sequence)
    {
        var replay = await host.Scenario(x =>
        {
            x.Post.Url($"{sequence}/replay");
            x.StatusCodeShouldBe(202);
        });
        return (await replay.ReadAsJsonAsync<SequenceOperation>())!.Affected;
    }

    public static Task DiscardHeadAsync(this IAlbaHost host, string sequence) => host.Scenario(x =>
    {
        x.Post.Url($"{sequence}/discard-head");
        x.StatusCodeShouldBe(200);
    });

    public static Task SequenceIsGoneAsync(this IAlbaHost host, string sequence) => host.Scenario(x =>
    {
        x.Get.Url(sequence);
        x.StatusCodeShouldBe(404);
    });

    public static async Task<IReadOnlyList<DeadLetter>> DeadLettersAsync(this IAlbaHost host) =>
        (await host.GetAsJson<DeadLetterPage>(DeadLetters))!.DeadLetters;

    public static Task ReplayDeadLetterAsync(this IAlbaHost host, Guid id) =>
        host.Scenario(x => x.Post.Json(new { ids = new[] { id } }).ToUrl($"{DeadLetters}/replay"));
}
