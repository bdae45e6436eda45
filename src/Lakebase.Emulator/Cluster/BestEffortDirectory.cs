namespace Lakebase.Emulator.Cluster;

/// <summary>Cleanup that must never fail the emulator: a leftover temp directory is better than a crash on dispose.</summary>
internal static class BestEffortDirectory
{
    public static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
