using System.Globalization;
using TodoApp.Data;

namespace TodoApp.Todos;

/// <summary>
/// Request checks, returning field → messages in the shape of ValidationProblemDetails.errors (camelCase, as the JSON).
/// Plain code rather than attributes: every rule is visible here, including "whitespace is not a title".
/// </summary>
public static class TodoValidation
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public static Dictionary<string, string[]> Validate(CreateTodoRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        ValidateTitle(request.Title, errors);
        return errors;
    }

    public static Dictionary<string, string[]> Validate(UpdateTodoRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        ValidateTitle(request.Title, errors);
        if (request.IsCompleted is null)
        {
            errors["isCompleted"] = ["isCompleted is required (true or false)."];
        }

        if (request.Version is null)
        {
            errors["version"] = ["version is required: send the version you last read, so a concurrent change is detected."];
        }

        return errors;
    }

    /// <summary>Parses ?page=&amp;pageSize= (both optional) by hand, so a bad value is a field error rather than a bare 400.</summary>
    public static (int Page, int PageSize) ValidatePaging(string? page, string? pageSize, Dictionary<string, string[]> errors)
    {
        var parsedPage = ParsePositive(page, "page", 1, int.MaxValue, errors);
        var parsedPageSize = ParsePositive(pageSize, "pageSize", DefaultPageSize, MaxPageSize, errors);
        return (parsedPage, parsedPageSize);
    }

    private static void ValidateTitle(string? title, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            errors["title"] = ["title is required."];
        }
        else if (title.Trim().Length > Todo.TitleMaxLength)
        {
            errors["title"] = [$"title must be at most {Todo.TitleMaxLength} characters."];
        }
    }

    private static int ParsePositive(string? value, string name, int fallback, int max, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return fallback;
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1 || number > max)
        {
            errors[name] = [max == int.MaxValue ? $"{name} must be a whole number from 1." : $"{name} must be a whole number from 1 to {max}."];
            return fallback;
        }

        return number;
    }
}
