using JasperFx;
using Marten.EventApp;
using Marten.EventApp.Analytics;
using Marten.EventApp.EventBus;
using Marten.EventApp.Feeds;
using Marten.EventApp.Http;
using Marten.EventApp.Messaging;
using Marten.EventApp.Onboarding;
using Marten.EventApp.OperatorConsole;
using Marten.EventApp.Operations;
using Marten.EventApp.Orders;
using Marten.EventApp.Persistence;
using Marten.EventApp.Projections;
using Marten.EventApp.Sagas;
using Marten.EventApp.Users;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddLinkedAppSettings();

builder.AddEventStore()      // Marten on PostgreSQL: events, documents, projections, the async daemon
    .AddMessaging()          // Wolverine: handlers, durable queues, outbox, RabbitMQ when configured
    .AddHttpApi()            // minimal APIs, problem details, OpenAPI
    .AddOperations()         // OpenTelemetry (/metrics, OTLP), health, /api/monitoring/events, error-rate alerts
    .AddEventBus()           // every stored event to the exchange (or local queues), consumers, dead letters
    .AddEventFeeds()
    .AddUsers()
    .AddOrders()             // orders: placed, paid, reserved, shipped or cancelled; their read model
    .AddSagaMonitoring()     // /api/sagas: every saga's state, steps, pending timeouts and timeline; operators' actions
    .AddOnboarding()         // a saga per registered user: welcome email, preferences, push, analytics; compensation
    .AddAnalytics()          // event analytics and daily metrics (async projection)
    .AddProjectionOperations()   // projections' state and lag, rebuilds with progress
    .AddOperatorConsole();       // /console: one page for operators over the admin API

var app = builder.Build();
app.MapHttpApi();

return await app.RunJasperFxCommands(args);

public partial class Program;
