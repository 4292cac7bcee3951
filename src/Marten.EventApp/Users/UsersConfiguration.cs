using JasperFx.Events.Projections;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.EventBus;
using Marten.EventApp.Feeds;
using Marten.EventApp.Http;
using Marten.EventApp.Messaging;
using Marten.EventApp.Persistence;
using Marten.EventApp.Security;
using Marten.Schema;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Marten.EventApp.Users;

public static class UsersConfiguration
{
    public const string UniqueActiveEmail = "ux_userdetails_active_email";
    public const string SearchTextIndex = "ix_userdetails_search_text_trgm";

    public static WebApplicationBuilder AddUsers(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureMarten(opts => opts.AddUserStorage());
        builder.Services.AddHostedService<SearchTextBackfill>();
        builder.Services.AddSingleton(new UniqueRule(UniqueActiveEmail,
            "Email is already in use", "Another active user already has this email address."));
        return builder
            .ReceiveCommands(typeof(RegisterUser), typeof(UpdateUserProfile), typeof(DeactivateUser))
            .PutEventsOnTheWire(OnTheWire)
            .ConsumeEventBatches<ActivityEvent>(UserActivityHandler.Queue, typeof(UserActivityHandler),
                UserActivityHandler.BindingKeys,
                UserActivityHandler.Replay, UserActivityHandler.RetiredBindingKeys)
            .AddEndpoints(MapUsers);
    }

    // the seed's event names and getEventData(), keys in the seed's order
    public static void OnTheWire(WireFormat wire) => wire
        // version 2's fields after the seed's: its EventFactory passes the values by position and ignores extra ones
        .Map("UserRegistered", (UserRegistered e) =>
            new { e.Email, e.FirstName, e.LastName, e.RegistrationSource, e.Locale, e.MarketingConsent })
        .Map("UserProfileUpdated", (UserProfileUpdated e) => new { e.UpdatedFields, e.PreviousValues })
        .Map("UserDeactivated", (UserDeactivated e) => new { e.Reason, e.DeactivatedBy })
        // on the onboarding's own stream (older ones on the user's): about the user either way
        .Map("OnboardingCompleted", (OnboardingCompleted _) => new { }, e => e.UserId)
        .Map("OnboardingFailed", (OnboardingFailed e) => new { e.Step, e.Reason }, e => e.UserId)
        .Map("UserErased", (UserErased e) => new { e.ErasedBy });

    private static StoreOptions AddUserStorage(this StoreOptions opts)
    {
        opts.AddUserEventVersions();
        EraseUserHandler.Masking(opts);
        // The read model is also what commands decide on (FetchForWriting<UserDetails>): a separate snapshot was one
        // more write per command and one more copy of personal data (BENCHMARKS.md, "What changes bought").
        opts.Projections.Add<UserDetailsProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<UserStatisticsProjection>(ProjectionLifecycle.Async);
        opts.Storage.ExtendedSchemaObjects.Add(new Extension("pg_trgm"));

        var users = opts.Schema.For<UserDetails>();
        users.Index(x => x.Email, i =>
        {
            i.Name = UniqueActiveEmail;
            i.IsUnique = true;
            i.Casing = ComputedIndex.Casings.Lower;
            i.Predicate = "(data ->> 'isActive') = 'true'";
        });
        // one trigram index over a lowercased column of name and email serves LIKE '%term%' for search and lookup: one
        // index to keep on each write, no JSON read nor case folding per candidate (BENCHMARKS.md, 4c)
        users.Duplicate(x => x.SearchText, pgType: "text", configure: Trigram);
        opts.Schema.For<ActivityEntry>().Duplicate(x => x.UserId, configure: i => i.Name = "ix_activityentry_user_id");
        opts.Schema.For<UserErasure>();

        // search pages newest first: a real column and index let broad terms stop after a page of rows
        users.Duplicate(x => x.LastUpdated, pgType: "timestamptz", configure: i =>
        {
            i.Name = "ix_userdetails_last_updated";
            i.SortOrder = SortOrder.Desc;
        });
        return opts;
    }

    private static void Trigram(DocumentIndex index)
    {
        index.Name = SearchTextIndex;
        index.Method = IndexMethod.gin;
        index.Mask = "? gin_trgm_ops";
        // Every search scans the pending list of new entries until it is merged: the default limit slowed searches, a
        // small one keeps the list short at the same insert cost (fastupdate off cost more). BENCHMARKS.md, 4c.
        index.StorageParameters["gin_pending_list_limit"] = 128;
    }

    private static void MapUsers(IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").WithTags("Users");
        users.MapPost("", RegisterUserEndpoint.Post).WithName("RegisterUser").RequireScope(Scopes.UsersWrite)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        users.MapPatch("/{id:guid}", UpdateUserProfileEndpoint.Patch).WithName("UpdateUserProfile")
            .RequireScope(Scopes.UsersWrite).OwnUserOnly()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        users.MapPost("/{id:guid}/deactivate", DeactivateUserEndpoint.Post).WithName("DeactivateUser")
            .RequireScope(Scopes.UsersWrite).OwnUserOnly()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        users.MapGet("/{id:guid}", GetUserEndpoint.Get).WithName("GetUser").RequireScope(Scopes.UsersRead).OwnUserOnly()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        // across users: services only
        users.MapGet("", FindUsersEndpoint.ByEmail).WithName("FindUsersByEmail")
            .RequireScope(Scopes.UsersRead, anyOwner: true)
            .ProducesProblem(StatusCodes.Status400BadRequest);
        users.MapGet("/search", FindUsersEndpoint.Search).WithName("SearchUsers")
            .RequireScope(Scopes.UsersRead, anyOwner: true)
            .ProducesProblem(StatusCodes.Status400BadRequest);
        users.MapGet("/statistics", GetUserStatisticsEndpoint.Get).WithName("GetUserStatistics")
            .RequireScope(Scopes.OperationsRead, anyOwner: true);
        users.MapGet("/{id:guid}/activity", GetUserActivityEndpoint.Get).WithName("GetUserActivity")
            .RequireScope(Scopes.UsersRead).OwnUserOnly()
            .ProducesProblem(StatusCodes.Status404NotFound);
        users.MapGet("/{id:guid}/events", EventFeedEndpoints.Stream).WithName("GetUserEvents")
            .RequireScope(Scopes.EventsRead).OwnUserOnly()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapPost("/api/admin/users/{id:guid}/erase", EraseUserEndpoint.Post).WithTags("Users").WithName("EraseUser")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
