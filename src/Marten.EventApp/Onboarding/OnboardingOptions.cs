using System.Text.RegularExpressions;

namespace Marten.EventApp.Onboarding;

public sealed class OnboardingOptions
{
    public const string Section = "EventApp:Onboarding";

    public bool Enabled { get; set; } = true;

    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan[] RetryDelays { get; set; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5),
        TimeSpan.FromSeconds(30)];

    // On: the services answer at once (the in-process stand-ins do), so a step runs in the transaction of the decision
    // that begins it, a durable message only when it fails there. Off for remote services.
    public bool InlineSteps { get; set; } = true;

    // failure injection for the in-process services, for tests and demos
    public List<OnboardingFault> Faults { get; set; } = [];

    public static OnboardingOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var options = section.Get<OnboardingOptions>() ?? new();
        options.RetryDelays = section.ArrayOr(nameof(RetryDelays), new OnboardingOptions().RetryDelays);
        foreach (var fault in options.Faults) fault.Check();
        return options;
    }
}

public enum FaultMode
{
    Fail,
    NoAnswer
}

public sealed class OnboardingFault
{
    public string Step { get; set; } = "";
    public string? Emails { get; set; }
    public FaultMode Mode { get; set; } = FaultMode.Fail;
    public double Rate { get; set; } = 1;

    internal void Check()
    {
        if (!OnboardingSteps.All.Contains(Step))
            throw new InvalidOperationException($"{OnboardingOptions.Section}:Faults: step '{Step}' is not one of " +
                                                $"{string.Join(", ", OnboardingSteps.All)}.");
        if (Rate is < 0 or > 1)
            throw new InvalidOperationException(
                $"{OnboardingOptions.Section}:Faults: rate {Rate} is not between 0 and 1.");
        if (Emails is { Length: > 0 }) _ = new Regex(Emails);
    }

    internal bool Matches(string step, string email) => AppliesTo(step, email)
        && (Rate >= 1 || Random.Shared.NextDouble() < Rate);

    internal bool AppliesTo(string step, string email) =>
        Step == step
        && (string.IsNullOrEmpty(Emails)
            || Regex.IsMatch(email, Emails, RegexOptions.IgnoreCase, TimeSpan.FromMilliseconds(100)));
}

// the message names the step, never the user's email
public sealed class SimulatedStepFailure(string step)
    : Exception($"Simulated failure of {step} (EventApp:Onboarding:Faults)");
