using Microsoft.AspNetCore.Http.HttpResults;

namespace TodoApp.Todos;

/// <summary>The API's error responses, as RFC 9457 problem details.</summary>
public static class TodoProblems
{
    public static ProblemHttpResult NotFound(int id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "Todo not found",
        detail: $"There is no todo {id}; it may have been deleted.");

    /// <summary>The client's version is stale. <c>current</c> carries what is stored now, so a client can merge or retry.</summary>
    public static ProblemHttpResult Conflict(TodoResponse current) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict,
        title: "The todo was changed by someone else",
        detail: $"Todo {current.Id} is at version {current.Version}, not the version you sent. Reload it and apply your change again.",
        extensions: new Dictionary<string, object?> { ["current"] = current });
}
