namespace Lakebase.Npgsql.Configuration;

/// <summary>
/// An array compared by its elements, as the backing field of an options record's array property: two options objects
/// built alike (a new array each time, as a builder lambda makes them) are then equal, and a cache keyed on them hits.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
internal readonly struct EquatableArray<T>(T[]? array) : IEquatable<EquatableArray<T>>
{
    public T[]? Array { get; } = array;

    public bool Equals(EquatableArray<T> other) =>
        ReferenceEquals(Array, other.Array) || (Array is not null && other.Array is not null && Array.AsSpan().SequenceEqual(other.Array));

    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in Array ?? [])
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }
}
