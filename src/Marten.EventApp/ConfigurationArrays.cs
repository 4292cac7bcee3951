namespace Marten.EventApp;

public static class ConfigurationArrays
{
    /// <summary>
    /// The array configured under <paramref name="key"/>, alone, else <paramref name="defaults"/>. The binder writes
    /// configured items over a default array's by index: one retry delay configured kept the default's other two.
    /// </summary>
    public static T[] ArrayOr<T>(this IConfigurationSection section, string key, T[] defaults) =>
        section.GetSection(key).Exists() ? section.GetSection(key).Get<T[]>() ?? [] : defaults;
}
