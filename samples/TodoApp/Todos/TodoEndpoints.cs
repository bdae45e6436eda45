using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using TodoApp.Data;

namespace TodoApp.Todos;

/// <summary>
/// The JSON API under /api/todos. Updates and deletes are optimistic: the client sends the <c>version</c> it read
/// (PostgreSQL's xmin), the UPDATE/DELETE matches on it, and a stale one gets 409 with the current todo.
/// </summary>
public static class TodoEndpoints
{
    public static IEndpointRouteBuilder MapTodoEndpoints(this IEndpointRouteBuilder app)
    {
        var todos = app.MapGroup("/api/todos").WithTags("Todos");
        todos.MapGet("/", ListAsync);
        todos.MapGet("/{id:int}", GetAsync);
        todos.MapPost("/", CreateAsync);
        todos.MapPut("/{id:int}", UpdateAsync);
        todos.MapDelete("/{id:int}", DeleteAsync);
        return app;
    }

    private static async Task<Results<Ok<TodoPage>, ValidationProblem>> ListAsync(
        string? page, string? pageSize, TodoDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var (pageNumber, size) = TodoValidation.ValidatePaging(page, pageSize, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var totalCount = await db.Todos.CountAsync(cancellationToken);
        var skip = (int)Math.Min((long)(pageNumber - 1) * size, int.MaxValue);
        var items = await db.Todos.AsNoTracking()
            .OrderBy(t => t.Id)
            .Skip(skip)
            .Take(size)
            .Select(t => new TodoResponse(t.Id, t.Title, t.IsCompleted, t.CreatedAt, t.CompletedAt, t.Version))
            .ToListAsync(cancellationToken);
        var totalPages = (int)(((long)totalCount + size - 1) / size);
        return TypedResults.Ok(new TodoPage(items, pageNumber, size, totalCount, totalPages));
    }

    private static async Task<Results<Ok<TodoResponse>, ProblemHttpResult>> GetAsync(int id, TodoDbContext db, CancellationToken cancellationToken)
    {
        var todo = await db.Todos.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        return todo is null ? TodoProblems.NotFound(id) : TypedResults.Ok(TodoResponse.From(todo));
    }

    private static async Task<Results<Created<TodoResponse>, ValidationProblem>> CreateAsync(
        CreateTodoRequest request, TodoDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = TodoValidation.Validate(request);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var todo = new Todo { Title = request.Title!.Trim(), CreatedAt = Now(clock) };
        db.Todos.Add(todo);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/todos/{todo.Id}", TodoResponse.From(todo));
    }

    private static async Task<Results<Ok<TodoResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        int id, UpdateTodoRequest request, TodoDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = TodoValidation.Validate(request);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var todo = await db.Todos.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (todo is null)
        {
            return TodoProblems.NotFound(id);
        }

        // Checked here too, not only by the UPDATE: an edit that changes nothing issues no UPDATE at all.
        if (todo.Version != request.Version)
        {
            return TodoProblems.Conflict(TodoResponse.From(todo));
        }

        // The version the client saw becomes the original value: EF then updates WHERE id = @id AND xmin = @version.
        db.Entry(todo).Property(t => t.Version).OriginalValue = request.Version!.Value;
        todo.Title = request.Title!.Trim();
        if (todo.IsCompleted != request.IsCompleted)
        {
            todo.IsCompleted = request.IsCompleted!.Value;
            todo.CompletedAt = todo.IsCompleted ? Now(clock) : null;
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return await ConflictOrNotFoundAsync(id, db, cancellationToken);
        }

        return TypedResults.Ok(TodoResponse.From(todo));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteAsync(
        int id, string? version, TodoDbContext db, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(version))
        {
            // No version: the client does not care what it deletes (e.g. curl); one statement, no read.
            var deleted = await db.Todos.Where(t => t.Id == id).ExecuteDeleteAsync(cancellationToken);
            return deleted == 0 ? TodoProblems.NotFound(id) : TypedResults.NoContent();
        }

        if (!uint.TryParse(version, out var expectedVersion))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["version"] = ["version must be the number from the todo's version field."] });
        }

        var todo = await db.Todos.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (todo is null)
        {
            return TodoProblems.NotFound(id);
        }

        if (todo.Version != expectedVersion)
        {
            return TodoProblems.Conflict(TodoResponse.From(todo));
        }

        db.Entry(todo).Property(t => t.Version).OriginalValue = expectedVersion;
        db.Todos.Remove(todo);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return await ConflictOrNotFoundAsync(id, db, cancellationToken);
        }

        return TypedResults.NoContent();
    }

    /// <summary>PostgreSQL keeps microseconds; dropping the rest makes a response equal what a later GET returns.</summary>
    private static DateTimeOffset Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    /// <summary>After a lost race: 404 if the todo is gone, else 409 with what is stored now.</summary>
    private static async Task<ProblemHttpResult> ConflictOrNotFoundAsync(int id, TodoDbContext db, CancellationToken cancellationToken)
    {
        var current = await db.Todos.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        return current is null ? TodoProblems.NotFound(id) : TodoProblems.Conflict(TodoResponse.From(current));
    }
}
