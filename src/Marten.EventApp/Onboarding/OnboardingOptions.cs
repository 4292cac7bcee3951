using System.Text.RegularExpressions;

namespace Marten.EventApp.Onboarding;

/// <summary>The "EventApp:Onboarding" section.</summary>
public sealed class OnboardingOptions
{
    public const string Section = "EventApp:Onboarding";

    /// <summary>Off: registrations start no onboarding (the bus consumer is not declared).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A step with no answer within this time fails the saga (a durable timeout).</summary>
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A failing step is tried again after each of these delays, then fails the saga.</summary>
    public TimeSpan[] RetryDelays { get; set; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5),
        TimeSpan.FromSeconds(30)];

    /// <summary>
    /// On: the steps' services answer at once (the in-process stand-ins do), so a step runs in the transaction of the
    /// decision that begins it, a durable message only when it fails there. Off (remote services): every step is a
    /// durable message of its own.
    /// </summary>
    public bool InlineSteps { get; set; } = true;

    /// <summary>Failure injection for the in-process services (tests and demos), e.g. "fail the push for emails
    /// matching X".</summary>
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
    /// <summary>The step's service throws (the step is retried, then fails the saga).</summary>
    Fail,
    /// <summary>The step's service never answers (the step's timeout fails the saga).</summary>
    NoAnswer
}

/// <summary>A step that misbehaves for the users whose email matches, with a probability.</summary>
public sealed class OnboardingFault
{
    public string Step { get; set; } = "";
    /// <summary>A regular expression on the user's email (case-insensitive); every user when empty.</summary>
    public string? Emails { get; set; }
    public FaultMode Mode { get; set; } = FaultMode.Fail;
    /// <summary>The share of calls that misbehave, 0 to 1.</summary>
    public double Rate { get; set; } = 1;

    internal void Check()
    {
        if (!OnboardingSteps.All.Contains(Step))
            throw new InvalidOperationException($"{OnboardingOptions.Section}:Faults: step '{Step}' is not one of {string.Join(", ", OnboardingSteps.All)}.");
        if (Rate is < 0 or > 1) throw new InvalidOperationException($"{OnboardingOptions.Section}:Faults: rate {Rate} is not between 0 and 1.");
        if (Emails is { Length: > 0 }) _ = new Regex(Emails);
    }

    /// <summary>The step misbehaves for this user this time (the dice rolled for <see cref="Rate"/>).</summary>
    internal bool Matches(string step, string email) => AppliesTo(step, email)
        && (Rate >= 1 || Random.Shared.NextDouble() < Rate);

    /// <summary>The step may misbehave for this user.</summary>
    internal bool AppliesTo(string step, string email) =>
        Step == step
        && (string.IsNullOrEmpty(Emails)
            || Regex.IsMatch(email, Emails, RegexOptions.IgnoreCase, TimeSpan.FromMilliseconds(100)));
}

/// <summary>Thrown by a step whose fault says so; the message says which step, never whose email.</summary>
public sealed class SimulatedStepFailure(string step) : Exception($"Simulated failure of {step} (EventApp:Onboarding:Faults)");
