using System.Globalization;

namespace Lakebase.Testing.Placement;

/// <summary>Reads the kit's settings: an option when set, else its variable (from the configuration or the process environment).</summary>
internal sealed class TestSettings(LakebaseTestDatabaseOptions options)
{
    public string? ParentBranch => Blank(options.ParentBranch) ?? Variable(LakebaseTestDatabaseOptions.ParentBranchVariable);

    public string? RootCertificate => Blank(options.RootCertificate) ?? Variable("PGSSLROOTCERT");

    public string? Database => Blank(options.Database) ?? Variable("PGDATABASE");

    public int? Port
    {
        get
        {
            if (options.Port is { } port)
            {
                return port;
            }

            var text = Variable("PGPORT");
            return text is null ? null
                : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed is > 0 and <= 65535 ? parsed
                : throw new InvalidOperationException($"PGPORT is '{text}': expected a port number from 1 to 65535 (the branch endpoint's port), or unset for 5432.");
        }
    }

    private string? Variable(string name) =>
        Blank(options.Configuration is { } configuration ? configuration[name] : Environment.GetEnvironmentVariable(name));

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
