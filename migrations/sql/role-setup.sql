-- Role setup for the TodoApp's service principal on Databricks Lakebase. Run once, as a Lakebase admin
-- (the project owner), connected to the databricks_postgres database, e.g. from the Lakebase SQL editor or
--   psql "host=<endpoint host> dbname=databricks_postgres user=<your e-mail> sslmode=require"
--
-- Replace every 00000000-0000-0000-0000-000000000000 with the service principal's application (client) id,
-- the UUID the app logs in as (DATABRICKS_CLIENT_ID / PGUSER), not its display name.
--
-- What the app gets: read and write rows (DML). What it does not get: schema changes (DDL). Schema changes are
-- a deploy step run by someone who owns the schema:
--   dotnet ef database update --project migrations/TodoApp.Migrations    (with that person's credentials), or
--   psql -f migrations/sql/migrate.sql                                   (the idempotent script, for DBAs).
-- If you prefer the app to migrate itself (Lakebase:MigrateOnStartup=true), also run the optional block at the end.

-- 1. The OAuth role. It must be created with databricks_create_role: a role created in the UI or with plain
--    CREATE ROLE cannot log in with OAuth tokens ("role does not exist" / "password authentication failed").
CREATE EXTENSION IF NOT EXISTS databricks_auth;
SELECT databricks_create_role('00000000-0000-0000-0000-000000000000', 'SERVICE_PRINCIPAL');

-- 2. Connect, and read/write the app's tables, including tables created by later migrations.
GRANT CONNECT ON DATABASE databricks_postgres TO "00000000-0000-0000-0000-000000000000";
GRANT USAGE ON SCHEMA public TO "00000000-0000-0000-0000-000000000000";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "00000000-0000-0000-0000-000000000000";
-- The identity column's sequence (todos.id): needed to INSERT.
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "00000000-0000-0000-0000-000000000000";
-- Default privileges apply to objects created later BY THE ROLE RUNNING THIS SCRIPT; run it as the same
-- person who runs the migrations (or add FOR ROLE <migrator>).
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "00000000-0000-0000-0000-000000000000";
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO "00000000-0000-0000-0000-000000000000";

-- 3. Optional: only if the app itself runs migrations at startup (Lakebase:MigrateOnStartup=true).
--    The role then creates and alters tables in the public schema.
-- GRANT CREATE ON SCHEMA public TO "00000000-0000-0000-0000-000000000000";
