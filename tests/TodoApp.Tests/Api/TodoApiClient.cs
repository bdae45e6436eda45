using System.Net.Http.Json;
using System.Text.Json;
using TodoApp.Todos;

namespace TodoApp.Tests.Api;

/// <summary>Thin helpers over the JSON API, so the tests read as the scenario they check.</summary>
internal static class TodoApiClient
{
    public static async Task<TodoResponse> CreateAsync(this HttpClient client, string title)
    {
        using var response = await client.PostAsJsonAsync("/api/todos", new { title }, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<TodoResponse>(TestContext.Current.CancellationToken))!;
    }

    public static Task<HttpResponseMessage> UpdateAsync(this HttpClient client, int id, object body) =>
        client.PutAsJsonAsync($"/api/todos/{id}", body, TestContext.Current.CancellationToken);

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(TestContext.Current.CancellationToken))!;
}
