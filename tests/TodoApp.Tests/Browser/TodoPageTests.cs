using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TodoApp.Tests.Infrastructure;
using TodoApp.Todos;
using static Microsoft.Playwright.Assertions;

namespace TodoApp.Tests.Browser;

/// <summary>
/// The page a newcomer sees, in a real browser (Debian's chromium, driven by Playwright) against the real app on
/// Kestrel. Never downloads a browser: without /usr/bin/chromium it skips locally and fails on CI.
/// </summary>
public sealed partial class TodoPageTests(EmulatorFixture emulator)
{
    private const string ChromiumPath = "/usr/bin/chromium";

    [Fact]
    public async Task Add_edit_complete_and_delete_a_todo_in_the_page()
    {
        RequireChromium();
        var database = await emulator.CreateDatabaseAsync("todo_ui");
        await using var app = new TodoAppFactory(emulator.Emulator, database);
        var baseAddress = app.StartKestrel();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // No sandbox (root in CI); no calls home (no internet here, and tests must only talk to 127.0.0.1).
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 900, Height = 720 } });
        // Generous: CI machines are small and run other test projects at the same time.
        page.SetDefaultTimeout(30_000);
        SetDefaultExpectTimeout(15_000);
        // Uncaught script errors only: the browser also logs every 4xx the page handles on purpose.
        var scriptErrors = new List<string>();
        page.PageError += (_, error) => scriptErrors.Add(error);

        await page.GotoAsync(baseAddress.ToString());
        await Expect(page.GetByTestId("health")).ToContainTextAsync("Connected to Databricks Lakebase");

        // An empty title is refused with the server's field error.
        await page.GetByTestId("add").ClickAsync();
        await Expect(page.Locator("#form-error")).ToHaveTextAsync("title is required.");

        // Add.
        await AddAsync(page, "Write the README");
        await AddAsync(page, "Try the emulator");
        var readme = page.GetByTestId("todo").Filter(new LocatorFilterOptions { HasText = "Write the README" });
        await Expect(readme).ToHaveCountAsync(1);
        await Expect(page.Locator("#form-error")).ToBeHiddenAsync();

        // Edit.
        await readme.GetByTestId("edit").ClickAsync();
        await readme.GetByTestId("edit-title").FillAsync("Write the README first");
        await readme.GetByTestId("save").ClickAsync();
        var edited = page.GetByTestId("todo").Filter(new LocatorFilterOptions { HasText = "Write the README first" });
        await Expect(edited).ToHaveCountAsync(1);

        // Complete.
        await edited.GetByTestId("toggle").CheckAsync();
        await Expect(edited).ToHaveClassAsync(CompletedClass());
        await Expect(page.GetByTestId("page-info")).ToContainTextAsync("2 todos");
        var stored = await ReadAllAsync(app);
        Assert.Contains(stored, t => t is { Title: "Write the README first", IsCompleted: true });

        var screenshot = Path.Combine(AppContext.BaseDirectory, "screenshots", "todo-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        TestContext.Current.TestOutputHelper?.WriteLine($"Screenshot: {screenshot}");

        // Delete.
        await edited.GetByTestId("delete").ClickAsync();
        await Expect(edited).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("page-info")).ToContainTextAsync("1 todo");
        Assert.DoesNotContain(await ReadAllAsync(app), t => t.Title == "Write the README first");

        Assert.Empty(scriptErrors);
        app.AssertNoSecretsLogged();
    }

    private static async Task AddAsync(IPage page, string title)
    {
        await page.GetByTestId("new-title").FillAsync(title);
        await page.GetByTestId("add").ClickAsync();
        await Expect(page.GetByTestId("todo").Filter(new LocatorFilterOptions { HasText = title })).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("new-title")).ToHaveValueAsync(string.Empty);
    }

    private static async Task<IReadOnlyList<TodoResponse>> ReadAllAsync(TodoAppFactory app)
    {
        using var client = app.CreateClient();
        var page = await client.GetFromJsonAsync<TodoPage>("/api/todos?pageSize=100", TestContext.Current.CancellationToken);
        return page!.Items;
    }

    private static void RequireChromium()
    {
        if (File.Exists(ChromiumPath))
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"{ChromiumPath} is missing on CI: the browser test needs Debian's chromium (apt-get install -y chromium). Never `playwright install`.");
        }

        Assert.Skip("install chromium: sudo apt-get install -y chromium");
    }

    [GeneratedRegex(@"\bcompleted\b")]
    private static partial Regex CompletedClass();
}
