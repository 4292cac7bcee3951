using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Marten.EventApp;

public static class LinkedAppSettings
{
    // read from the output folder, as the lowest-precedence source: the content root stays the project folder (where
    // `codegen write` puts generated code), and environment variables and arguments still override it
    public static IConfigurationBuilder AddLinkedAppSettings(this IConfigurationBuilder configuration)
    {
        configuration.Sources.Insert(0, new JsonConfigurationSource
        {
            Path = "appsettings.json",
            Optional = true,
            FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory)
        });
        return configuration;
    }
}
