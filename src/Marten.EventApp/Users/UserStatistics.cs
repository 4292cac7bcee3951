using Marten.EventApp.Contracts.Users;
using Marten.Events.Projections;

namespace Marten.EventApp.Users;

// kept by an async projection: eventually consistent, never on the write path
public sealed class UserStatistics
{
    public const string AllUsers = "all";

    public string Id { get; set; } = AllUsers;
    public long Registered { get; set; }
    public long Active { get; set; }
    public long Deactivated { get; set; }
    public Dictionary<string, long> RegisteredBySource { get; set; } = new(StringComparer.Ordinal);
    public DateTimeOffset? LastChangeAt { get; set; }
}

public sealed partial class UserStatisticsProjection : MultiStreamProjection<UserStatistics, string>
{
    public UserStatisticsProjection()
    {
        Identity<UserRegistered>(_ => UserStatistics.AllUsers);
        Identity<UserDeactivated>(_ => UserStatistics.AllUsers);
    }

    public void Apply(UserStatistics stats, UserRegistered e)
    {
        stats.Registered++;
        stats.Active++;
        stats.RegisteredBySource[e.RegistrationSource] =
            stats.RegisteredBySource.GetValueOrDefault(e.RegistrationSource) + 1;
        stats.LastChangeAt = e.RegisteredAt;
    }

    public void Apply(UserStatistics stats, UserDeactivated e)
    {
        stats.Active--;
        stats.Deactivated++;
        stats.LastChangeAt = e.DeactivatedAt;
    }
}

internal static class GetUserStatisticsEndpoint
{
    public static async Task<UserStatistics> Get(IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<UserStatistics>(UserStatistics.AllUsers, ct) ?? new UserStatistics();
}
