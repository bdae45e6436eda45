namespace Lakebase.Benchmarks.Data;

/// <summary>The row every CRUD operation works on: small, like a typical web app's entity.</summary>
public sealed class Item
{
    public long Id { get; set; }

    public string Name { get; set; } = "";

    public int Quantity { get; set; }

    public DateTime UpdatedAt { get; set; }
}
