using JasperFx;
using Marten.EventApp.EventStore;
using Marten.EventApp.Platform;
using Marten.EventApp.Users;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    // the top-level appsettings.json is linked into the output folder
    ContentRootPath = AppContext.BaseDirectory
});

builder.AddCritterStack(store => store.AddUsers(), wolverine => wolverine.AddUsers());
builder.AddHttpPlatform();

var app = builder.Build();

app.UseHttpPlatform();
app.MapUsers();
app.MapEventStore();

return await app.RunJasperFxCommands(args);

public partial class Program;
