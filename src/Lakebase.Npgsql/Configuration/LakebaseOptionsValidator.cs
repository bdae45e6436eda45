using Microsoft.Extensions.Options;

namespace Lakebase.Npgsql.Configuration;

/// <summary>
/// Validates <see cref="LakebaseOptions"/> when the host starts (<c>ValidateOnStart</c>) by resolving the data source's
/// definition exactly as building it does, from the same sources, and keeps that resolution for the build: validation
/// and runtime cannot disagree. Every problem is reported under the configuration section's name. Skipped once the
/// application replaced the data source by one configured in code (<paramref name="replaced"/>): the section then
/// configures nothing, and a test that replaced it need not fill it in.
/// </summary>
internal sealed class LakebaseOptionsValidator(string optionsName, string sectionPath, Func<LakebaseOptions, LakebaseDataSourceBuilder> createBuilder, Func<bool> replaced) : IValidateOptions<LakebaseOptions>
{
    public ValidateOptionsResult Validate(string? name, LakebaseOptions options)
    {
        if ((name ?? Microsoft.Extensions.Options.Options.DefaultName) != optionsName || replaced())
        {
            return ValidateOptionsResult.Skip;
        }

        try
        {
            options.Resolved = createBuilder(options).Resolve();
            return ValidateOptionsResult.Success;
        }
        catch (LakebaseConfigurationException e)
        {
            return ValidateOptionsResult.Fail(LakebaseDataSourceDefinition.ProblemLines(e).Select(line => $"{sectionPath}:{line}"));
        }
    }
}
