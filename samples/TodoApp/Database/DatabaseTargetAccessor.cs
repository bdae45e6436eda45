namespace TodoApp.Database;

/// <summary>
/// Holds the <see cref="DatabaseTarget"/> chosen at startup. The DbContext options read it lazily because the local
/// emulator's ports are known only once it has started, after the service container is built.
/// </summary>
public sealed class DatabaseTargetAccessor
{
    private DatabaseTarget? _target;

    public DatabaseTarget Target => _target ?? throw new InvalidOperationException(
        "The database is not initialized yet: Program must await DatabaseStartup.InitializeAsync before serving requests.");

    internal void Set(DatabaseTarget target) => _target = target;
}
