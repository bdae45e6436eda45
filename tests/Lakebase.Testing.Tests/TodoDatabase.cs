using Lakebase.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TodoApp.Data;

namespace Lakebase.Testing.Tests;

/// <summary>The sample's context on a test database, and what the tests read back.</summary>
internal static class TodoDatabase
{
    public static Task<bool> MigrateAsync(LakebaseTestDatabase database) =>
        database.MigrateAsync<TodoDbContext>(Configure, TestContext.Current.CancellationToken);

    public static TodoDbContext Context(LakebaseTestDatabase database) => new(database.CreateDbContextOptions<TodoDbContext>(Configure));

    public static async Task<int> AddTodoAsync(LakebaseTestDatabase database, string title)
    {
        await using var context = Context(database);
        var todo = new Todo { Title = title };
        context.Todos.Add(todo);
        await context.SaveChangesAsync(TestContext.Current.CancellationToken);
        return todo.Id;
    }

    public static async Task<long> ScalarAsync(Lakebase.Npgsql.LakebaseDataSource dataSource, string sql)
    {
        await using var connection = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        return await ScalarAsync(connection, sql);
    }

    public static async Task ExecuteAsync(Lakebase.Npgsql.LakebaseDataSource dataSource, string sql)
    {
        await using var connection = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Configure(Lakebase.EntityFrameworkCore.Infrastructure.LakebaseDbContextOptionsBuilder lakebase) =>
        lakebase.Npgsql(npgsql => npgsql.MigrationsAssembly(TodoDbContext.MigrationsAssembly));
}
