// Databricks' own Node driver (@databricks/lakebase) against the Lakebase emulator, configured only by the
// environment the emulator prints. Prints one JSON line with what the database answered; exits 1 on failure.
//
//   node interop.mjs                 user name from PGUSER / DATABRICKS_CLIENT_ID (a service principal)
//   node interop.mjs --lookup-user   user name from the workspace (SCIM Me), as for a human with a PAT
import { createLakebasePool, getUsernameWithApiLookup } from "@databricks/lakebase";

// The driver accepts only PGSSLMODE=require|prefer|disable and refuses verify-full, which the emulator prints for
// libpq and Npgsql. Its default, require, verifies the chain and the host name against Node's trust store plus
// NODE_EXTRA_CA_CERTS, so dropping the variable keeps verification on.
delete process.env.PGSSLMODE;

const concurrency = 50;
let pool;
try {
  const user = process.argv.includes("--lookup-user") ? await getUsernameWithApiLookup() : undefined;
  pool = createLakebasePool({ user, logger: { error: false } });

  const authorized = [];
  pool.on("connect", (client) => authorized.push(client.connection.stream.authorized === true));

  const identity = await pool.query("SELECT current_user, current_database()");
  const results = await Promise.allSettled(
    Array.from({ length: concurrency }, (_, i) => pool.query("SELECT $1::int AS n, pg_sleep(0.01)", [i])),
  );
  const ok = results.filter((r, i) => r.status === "fulfilled" && r.value.rows[0].n === i).length;
  const errors = [...new Set(results.filter((r) => r.status === "rejected").map((r) => String(r.reason?.message)))];

  console.log(JSON.stringify({
    current_user: identity.rows[0].current_user,
    current_database: identity.rows[0].current_database,
    lookup_user: user ?? null,
    concurrent: concurrency,
    succeeded: ok,
    errors,
    connections: authorized.length,
    all_connections_verified: authorized.length > 0 && authorized.every(Boolean),
  }));
  process.exitCode = ok === concurrency ? 0 : 1;
} catch (error) {
  // The message only: error objects of HTTP clients can carry request headers.
  console.log(JSON.stringify({ error: String(error?.message ?? error), code: error?.code ?? null }));
  process.exitCode = 1;
} finally {
  await pool?.end();
}
