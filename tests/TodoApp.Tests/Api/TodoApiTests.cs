using System.Net;
using System.Net.Http.Json;
using TodoApp.Tests.Infrastructure;
using TodoApp.Todos;

namespace TodoApp.Tests.Api;

/// <summary>The JSON API end to end: HTTP → minimal API → EF Core → UseLakebase → emulator (TLS, OAuth tokens) → PostgreSQL.</summary>
public sealed class TodoApiTests(TodoAppFixture app) : IClassFixture<TodoAppFixture>, IAsyncLifetime
{
    private readonly HttpClient _client = app.Client;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await app.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Crud_round_trip()
    {
        var created = await _client.CreateAsync("  Buy milk  ");
        Assert.Equal("Buy milk", created.Title);
        Assert.False(created.IsCompleted);
        Assert.NotEqual(0u, created.Version);

        var fetched = await _client.GetFromJsonAsync<TodoResponse>($"/api/todos/{created.Id}", Ct);
        Assert.Equal(created, fetched);

        using var updateResponse = await _client.UpdateAsync(created.Id, new { title = "Buy oat milk", isCompleted = true, version = created.Version });
        Assert.Equal(HttpStatusCode.OK, updateResponse.StatusCode);
        var updated = await updateResponse.ReadAsync<TodoResponse>();
        Assert.Equal("Buy oat milk", updated.Title);
        Assert.True(updated.IsCompleted);
        Assert.NotNull(updated.CompletedAt);
        Assert.NotEqual(created.Version, updated.Version); // xmin moved: the old version is now stale

        using var deleteResponse = await _client.DeleteAsync($"/api/todos/{created.Id}?version={updated.Version}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleteResponse.StatusCode);

        using var gone = await _client.GetAsync($"/api/todos/{created.Id}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        app.Factory.AssertNoSecretsLogged();
    }

    [Fact]
    public async Task Create_without_a_title_is_a_400_with_a_field_error()
    {
        using var response = await _client.PostAsJsonAsync("/api/todos", new { title = "   " }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.Equal("title is required.", problem.GetProperty("errors").GetProperty("title")[0].GetString());
    }

    [Fact]
    public async Task Update_with_a_too_long_title_and_no_version_lists_both_field_errors()
    {
        var todo = await _client.CreateAsync("Short");

        using var response = await _client.UpdateAsync(todo.Id, new { title = new string('x', 201), isCompleted = false });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadJsonAsync()).GetProperty("errors");
        Assert.Contains("at most 200", errors.GetProperty("title")[0].GetString());
        Assert.Contains("version is required", errors.GetProperty("version")[0].GetString());
    }

    [Fact]
    public async Task Malformed_json_is_a_400_not_a_500()
    {
        using var content = new StringContent("{\"title\":", System.Text.Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync("/api/todos", content, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/todos/4242")]
    [InlineData("PUT", "/api/todos/4242")]
    [InlineData("DELETE", "/api/todos/4242")]
    [InlineData("DELETE", "/api/todos/4242?version=7")]
    public async Task Missing_todo_is_a_404_problem(string method, string url)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method == "PUT")
        {
            request.Content = JsonContent.Create(new { title = "x", isCompleted = false, version = 1 });
        }

        using var response = await _client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Todo not found", (await response.ReadJsonAsync()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Update_with_a_stale_version_is_a_409_carrying_the_current_todo()
    {
        var original = await _client.CreateAsync("Plan the party");
        using var first = await _client.UpdateAsync(original.Id, new { title = "Plan the big party", isCompleted = false, version = original.Version });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        // A second editor still holds the original version.
        using var second = await _client.UpdateAsync(original.Id, new { title = "Cancel the party", isCompleted = false, version = original.Version });

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var problem = await second.ReadJsonAsync();
        Assert.Equal("Plan the big party", problem.GetProperty("current").GetProperty("title").GetString());
        var stored = await _client.GetFromJsonAsync<TodoResponse>($"/api/todos/{original.Id}", Ct);
        Assert.Equal("Plan the big party", stored!.Title);
    }

    [Fact]
    public async Task Delete_with_a_stale_version_is_a_409_and_keeps_the_todo()
    {
        var original = await _client.CreateAsync("Water the plants");
        using var edit = await _client.UpdateAsync(original.Id, new { title = "Water the plants", isCompleted = true, version = original.Version });
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);

        using var delete = await _client.DeleteAsync($"/api/todos/{original.Id}?version={original.Version}", Ct);

        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        using var stillThere = await _client.GetAsync($"/api/todos/{original.Id}", Ct);
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
    }

    [Fact]
    public async Task Concurrent_updates_from_the_same_version_let_exactly_one_win()
    {
        var todo = await _client.CreateAsync("Race");

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            _client.UpdateAsync(todo.Id, new { title = $"Race {i}", isCompleted = false, version = todo.Version })));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Paging_returns_the_requested_slice_and_the_total()
    {
        for (var i = 1; i <= 7; i++)
        {
            await _client.CreateAsync($"Todo {i}");
        }

        var page2 = await _client.GetFromJsonAsync<TodoPage>("/api/todos?page=2&pageSize=3", Ct);
        Assert.Equal(["Todo 4", "Todo 5", "Todo 6"], page2!.Items.Select(t => t.Title));
        Assert.Equal((2, 3, 7, 3), (page2.Page, page2.PageSize, page2.TotalCount, page2.TotalPages));

        var page3 = await _client.GetFromJsonAsync<TodoPage>("/api/todos?page=3&pageSize=3", Ct);
        Assert.Equal(["Todo 7"], page3!.Items.Select(t => t.Title));

        var beyond = await _client.GetFromJsonAsync<TodoPage>("/api/todos?page=9&pageSize=3", Ct);
        Assert.Empty(beyond!.Items);
        Assert.Equal(7, beyond.TotalCount);

        var defaults = await _client.GetFromJsonAsync<TodoPage>("/api/todos", Ct);
        Assert.Equal((1, 20, 7), (defaults!.Page, defaults.PageSize, defaults.Items.Count));
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("page=abc", "page")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("pageSize=-1", "pageSize")]
    public async Task Bad_paging_values_are_field_errors(string query, string field)
    {
        using var response = await _client.GetAsync($"/api/todos?{query}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }
}
