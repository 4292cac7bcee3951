namespace Marten.EventApp;

public static class ConfigurationArrays
{
    // the binder writes configured items over a default array's by index: one retry delay kept the default's other two
    public static T[] ArrayOr<T>(this IConfigurationSection section, string key, T[] defaults) =>
        section.GetSection(key).Exists() ? section.GetSection(key).Get<T[]>() ?? [] : defaults;
}
