#!/usr/bin/env bash
# Rewrites each library's PublicAPI.Unshipped.txt from its code (the analyzer's own code fix, run by dotnet format),
# so that a public API change is one reviewed diff of that file. PublicAPI.Shipped.txt is edited by hand at a release.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for project in src/Lakebase.Npgsql src/Lakebase.EntityFrameworkCore src/Lakebase.Emulator src/Lakebase.Aspire.Hosting src/Lakebase.Aspire src/Lakebase.Testing src/Lakebase.Testing.XunitV3; do
  printf '#nullable enable\n' > "$project/PublicAPI.Unshipped.txt"
  dotnet format analyzers "$project/$(basename "$project").csproj" --diagnostics RS0016 --severity info >/dev/null
  echo "$project: $(($(wc -l < "$project/PublicAPI.Unshipped.txt") - 1)) public symbols"
done
