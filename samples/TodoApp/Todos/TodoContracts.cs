using TodoApp.Data;

namespace TodoApp.Todos;

/// <summary>A todo as the API returns it. <see cref="Version"/> is the concurrency token to send back on update/delete.</summary>
public sealed record TodoResponse(int Id, string Title, bool IsCompleted, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt, uint Version)
{
    public static TodoResponse From(Todo todo) =>
        new(todo.Id, todo.Title, todo.IsCompleted, todo.CreatedAt, todo.CompletedAt, todo.Version);
}

/// <summary>POST /api/todos. Nullable so that a missing field is a validation error, not a binding failure.</summary>
public sealed record CreateTodoRequest(string? Title);

/// <summary>PUT /api/todos/{id}: the full new state plus the <see cref="Version"/> it was based on.</summary>
public sealed record UpdateTodoRequest(string? Title, bool? IsCompleted, uint? Version);

/// <summary>One page of todos, oldest first.</summary>
public sealed record TodoPage(IReadOnlyList<TodoResponse> Items, int Page, int PageSize, int TotalCount, int TotalPages);
