using JasperFx;
using Marten.EventApp.EventStore;
using Marten.EventApp.Platform;
using Marten.EventApp.Users;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddServiceDefaults();

builder.AddCritterStack(store => store.AddUsers(), wolverine => wolverine.AddUsers());
builder.AddHttpPlatform();

var app = builder.Build();

app.UseHttpPlatform();
app.MapUsers();
app.MapEventStore();

return await app.RunJasperFxCommands(args);

public partial class Program;
