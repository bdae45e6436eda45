using System.ComponentModel.DataAnnotations;

namespace TodoApp.Data;

/// <summary>One item on the list.</summary>
public sealed class Todo
{
    /// <summary>The longest title accepted (also the column length).</summary>
    public const int TitleMaxLength = 200;

    public int Id { get; set; }

    [MaxLength(TitleMaxLength)]
    public required string Title { get; set; }

    public bool IsCompleted { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>
    /// PostgreSQL's <c>xmin</c> system column: it changes on every update of the row, so Npgsql maps a
    /// <c>[Timestamp] uint</c> to it as an optimistic concurrency token without adding a column of our own.
    /// </summary>
    [Timestamp]
    public uint Version { get; set; }
}
