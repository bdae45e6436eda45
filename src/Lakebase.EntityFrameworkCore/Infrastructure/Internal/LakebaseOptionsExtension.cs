using Lakebase.EntityFrameworkCore.Connection;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Storage.Internal;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// Records on the DbContext options which Lakebase data source a context uses, so that the authentication retry acts
/// with that context's own credential, and diagnostics (<c>Database.GetLakebaseCredentialStatus()</c>) and EF Core's
/// logs can find and describe it.
/// </summary>
internal sealed class LakebaseOptionsExtension(LakebaseDataSource dataSource, TargetSessionAttributes? targetSession, LakebaseRetryPolicy retry) : IDbContextOptionsExtension
{
    private ExtensionInfo? _info;

    public LakebaseDataSource DataSource => dataSource;

    /// <summary>The hosts the context's connections may use (<c>TargetSession(...)</c>); null for the data source's own (the primary).</summary>
    public TargetSessionAttributes? TargetSession => targetSession;

    /// <summary>Whether the context may land on a read-only host, so that writes and migrations through it are refused.</summary>
    public bool IsReadOnly => targetSession is TargetSessionAttributes.ReadOnly or TargetSessionAttributes.Standby or TargetSessionAttributes.PreferStandby;

    /// <summary>The execution strategy the context gets, unless the application's <c>Npgsql(...)</c> options set one.</summary>
    public LakebaseRetryPolicy Retry => retry;

    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    /// <summary>
    /// The interceptors UseLakebase needs, in the options of a context given its own internal service provider, which
    /// never runs <see cref="ApplyServices"/> and so keeps efcore.pg's connection (the read-only guard acts only for a
    /// read-only context, but such a context cannot be told apart this early).
    /// </summary>
    public static IInterceptor[] Interceptors => [LakebaseAuthenticationRetryInterceptor.Instance, LakebaseReadOnlyContextInterceptor.Instance];

    /// <summary>Whether the authentication retry interceptor is among these interceptors.</summary>
    public static bool HasInterceptor(IEnumerable<IInterceptor>? interceptors)
    {
        if (interceptors is null)
        {
            return false;
        }

        foreach (var interceptor in interceptors)
        {
            if (ReferenceEquals(interceptor, LakebaseAuthenticationRetryInterceptor.Instance))
            {
                return true;
            }
        }

        return false;
    }

    public void ApplyServices(IServiceCollection services)
    {
        // The connection opens through the context's Lakebase data source (authentication retry). EF Core applies the
        // extensions in the order they were added, so this replaces efcore.pg's registration, once per internal
        // service provider; an interceptor would make every open and close of every context build event data.
#pragma warning disable EF1001 // efcore.pg's connection service is internal API; see LakebaseRelationalConnection.
        services.Replace(ServiceDescriptor.Scoped<INpgsqlRelationalConnection, LakebaseRelationalConnection>());
#pragma warning restore EF1001

        // The execution strategy comes from EF Core's internal service provider, built once per set of options that
        // differ in services, rather than from the Npgsql options extension, which every options build would clone.
        if (retry.Mode != LakebaseRetryMode.None)
        {
            services.Replace(ServiceDescriptor.Scoped<IExecutionStrategyFactory, LakebaseExecutionStrategyFactory>());
        }

        // Only a context that may land on a read-only host gets the read-only guard (its own internal service provider,
        // see ExtensionInfo): an interceptor makes EF Core build event data for every SaveChanges, command and open of
        // every context it is registered for, a cost a read-write context must not pay. Migrations always run on the
        // primary: such a context refuses them.
        if (IsReadOnly)
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IInterceptor>(LakebaseReadOnlyContextInterceptor.Instance));
            services.Replace(ServiceDescriptor.Scoped<IMigrator, LakebaseReadOnlyContextMigrator>());
        }
    }

    public void Validate(IDbContextOptions options)
    {
        // A context given its own internal service provider (UseInternalServiceProvider) never runs ApplyServices, so
        // UseLakebase puts the interceptor in its options instead; it can only do that when the provider was set first.
        var core = options.FindExtension<CoreOptionsExtension>();
        if (core?.InternalServiceProvider is { } provider
            && !HasInterceptor(core.Interceptors)
            && !HasInterceptor(provider.GetService<IEnumerable<IInterceptor>>()))
        {
            throw new LakebaseConfigurationException(
                "UseInternalServiceProvider(...) was called after UseLakebase(...): call it before UseLakebase, so that UseLakebase can add its " +
                "authentication retry interceptor to the options (EF Core does not apply UseLakebase's services to a provider you built).");
        }
    }

    private sealed class ExtensionInfo(LakebaseOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        private new LakebaseOptionsExtension Extension => (LakebaseOptionsExtension)base.Extension;

        public override bool IsDatabaseProvider => false;

        public override string LogFragment => Extension.TargetSession is { } target ? $"using Lakebase {Extension.DataSource} target session {target} " : $"using Lakebase {Extension.DataSource} ";

        // The Npgsql extension already keys EF's internal service provider on the data source instance; a read-only
        // context gets its own because its migrator differs, and a context without retries because its execution
        // strategy factory does. The retry limits are read per context, so they need no provider of their own.
        public override int GetServiceProviderHashCode() => (Extension.IsReadOnly ? 1 : 0) | (Extension.Retry.Mode == LakebaseRetryMode.None ? 2 : 0);

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) =>
            other is ExtensionInfo info && info.GetServiceProviderHashCode() == GetServiceProviderHashCode();

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo)
        {
            debugInfo["Lakebase:DataSource"] = Extension.DataSource.ToString();
            debugInfo["Lakebase:ReadOnly"] = Extension.IsReadOnly ? "1" : "0";
            debugInfo["Lakebase:Retry"] = Extension.Retry.Mode.ToString();
        }
    }
}
