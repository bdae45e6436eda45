using System.Text.Json.Nodes;
using Lakebase.Emulator.Workspace;

namespace Lakebase.Emulator.Branches;

/// <summary>Branches and the project in the shapes of the Databricks SDKs' <c>postgres.Branch</c> and <c>postgres.Project</c>.</summary>
internal static class BranchJson
{
    public static JsonObject Describe(EmulatedBranch branch, long logicalSizeBytes, BranchExpiry? expiry = null)
    {
        var spec = new JsonObject();
        var status = new JsonObject
        {
            ["branch_id"] = branch.BranchId,
            ["current_state"] = branch.State,
            ["default"] = branch.IsDefault,
            ["logical_size_bytes"] = logicalSizeBytes,
            ["is_protected"] = false,
        };
        if (branch.SourceBranch is { } source)
        {
            spec["source_branch"] = source;
            status["source_branch"] = source;
        }

        if (expiry?.Ttl is { } ttl)
        {
            spec["ttl"] = BranchExpiry.Format(ttl);
        }
        else if (branch.ExpireTime is { } at)
        {
            spec["expire_time"] = ApiResponses.Rfc3339(at);
        }
        else if (!branch.IsDefault)
        {
            spec["no_expiry"] = true;
        }

        if (branch.ExpireTime is { } expireTime)
        {
            status["expire_time"] = ApiResponses.Rfc3339(expireTime);
        }

        return new JsonObject
        {
            ["name"] = branch.Name,
            ["branch_id"] = branch.BranchId,
            ["uid"] = "br-" + branch.BranchId,
            ["parent"] = branch.Name[..branch.Name.IndexOf("/branches/", StringComparison.Ordinal)],
            ["create_time"] = ApiResponses.Rfc3339(branch.CreateTime),
            ["update_time"] = ApiResponses.Rfc3339(branch.CreateTime),
            ["spec"] = spec,
            ["status"] = status,
        };
    }

    public static JsonObject Project(string projectName, string defaultBranch, int pgVersion, DateTimeOffset createTime)
    {
        var projectId = projectName[(projectName.LastIndexOf('/') + 1)..];
        return new JsonObject
        {
            ["name"] = projectName,
            ["project_id"] = projectId,
            ["uid"] = "prj-" + projectId,
            ["create_time"] = ApiResponses.Rfc3339(createTime),
            ["spec"] = new JsonObject { ["display_name"] = projectId, ["pg_version"] = pgVersion, ["default_branch"] = defaultBranch },
            ["status"] = new JsonObject
            {
                ["project_id"] = projectId,
                ["display_name"] = projectId,
                ["pg_version"] = pgVersion,
                ["default_branch"] = defaultBranch,
                ["owner"] = "lakebase-emulator",
            },
        };
    }
}
