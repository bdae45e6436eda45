namespace Lakebase.Npgsql;

/// <summary>The outcome of one check of <see cref="LakebaseDoctor"/>.</summary>
public enum LakebaseDoctorOutcome
{
    /// <summary>The check passed.</summary>
    Passed,

    /// <summary>Works, but something deserves attention (the summary says what).</summary>
    Warning,

    /// <summary>The check failed; <see cref="LakebaseDoctorCheck.Fix"/> says what to do.</summary>
    Failed,

    /// <summary>Not run, because a check it depends on failed.</summary>
    Skipped,
}

/// <summary>One step of a setup check: what was checked, how it went, and the fix in the user's terms. Never a secret.</summary>
/// <param name="Name">The step: <c>settings</c>, <c>workspace</c>, <c>credential</c>, <c>host</c>, <c>tls</c>, <c>login</c>, <c>role</c>, <c>grants</c>, <c>compute</c>.</param>
/// <param name="Outcome">How it went.</param>
/// <param name="Summary">What was found.</param>
/// <param name="Fix">What to do, when it did not pass.</param>
public sealed record LakebaseDoctorCheck(string Name, LakebaseDoctorOutcome Outcome, string Summary, string? Fix = null);

/// <summary>The result of <see cref="LakebaseDoctor.RunAsync"/>: every step, in order.</summary>
/// <param name="Endpoint">The endpoint checked, as given.</param>
/// <param name="Checks">The steps, in the order they ran.</param>
public sealed record LakebaseDoctorReport(string Endpoint, IReadOnlyList<LakebaseDoctorCheck> Checks)
{
    /// <summary>Whether no step failed (warnings allowed).</summary>
    public bool Passed => Checks.All(c => c.Outcome is LakebaseDoctorOutcome.Passed or LakebaseDoctorOutcome.Warning);
}
