namespace Marten.EventApp.Messaging;

public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages)) _errors[field] = messages = [];
        messages.Add(message);
    }

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    public string? Text(string field, string? value, string label, int maxLength, bool required)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            if (required) Add(field, $"{label} is required.");
            else if (value is not null) Add(field, $"{label} must not be blank.");
            return null;
        }

        // a value too long goes no further: no pattern or parser ever sees it
        if (trimmed.Length > maxLength)
        {
            Add(field, $"{label} must be at most {maxLength} characters.");
            return null;
        }

        if (trimmed.Any(char.IsControl)) Add(field, $"{label} must not contain control characters.");
        return trimmed;
    }
}
