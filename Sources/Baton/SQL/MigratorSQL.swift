/// The migrator's statements.
enum MigratorSQL {
    /// The migrators' lock ($1: `Migrator.lockKey`), held by the session while it migrates.
    static let lock = "SELECT pg_advisory_lock($1)"
    static let unlock = "SELECT pg_advisory_unlock($1)"
    /// Function bodies checked only once every object file of the transaction is in.
    static let bodiesUnchecked = "SET LOCAL check_function_bodies = off"
    /// The migrations table itself, before any migration runs.
    static let bootstrap = """
        CREATE SCHEMA IF NOT EXISTS baton;
        CREATE TABLE IF NOT EXISTS baton.schema_migrations (
            version    integer PRIMARY KEY,
            name       text NOT NULL,
            checksum   text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """
    /// Whether baton.schema_migrations exists (status may run on an empty database).
    static let tableExists = "SELECT to_regclass('baton.schema_migrations') IS NOT NULL"
    /// Every applied migration (primary key scan).
    static let applied = "SELECT version, name, checksum, applied_at FROM baton.schema_migrations"
    /// SHA-256 of each file's text, in the order given.
    static let checksums = """
        SELECT encode(sha256(convert_to(sql, 'UTF8')), 'hex')
        FROM unnest($1::text[]) WITH ORDINALITY AS files (sql, position) ORDER BY position
        """
    /// Whether Baton's roles are missing or lack their grants, once 0010 made baton.grant_roles.
    static let rolesNeedGrants = """
        SELECT to_regprocedure('baton.grant_roles()') IS NOT NULL AND EXISTS (
            SELECT 1 FROM unnest(ARRAY['baton_enqueue', 'baton_worker', 'baton_read']) AS r (name)
            LEFT JOIN pg_roles ON rolname = r.name
            WHERE pg_roles.oid IS NULL OR NOT has_schema_privilege(pg_roles.oid, 'baton', 'USAGE'))
        """
    /// Grants Baton's roles what they need, making the missing ones when it may (pg_proc, pg_roles).
    static let grantRoles = "SELECT baton.grant_roles()"
    /// Baton's roles that do not exist (pg_roles).
    static let missingRoles = """
        SELECT r.name FROM unnest(ARRAY['baton_enqueue', 'baton_worker', 'baton_read']) AS r (name)
        WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name)
        """
    /// Whether baton.schema_objects exists (0019 made it).
    static let objectsTableExists = "SELECT to_regclass('baton.schema_objects') IS NOT NULL"
    /// Each object file's path and whether its text is the one recorded (primary key).
    static let objectsRecorded = """
        SELECT f.path, EXISTS (
                   SELECT 1 FROM baton.schema_objects AS o
                   WHERE o.path = f.path AND o.checksum = encode(sha256(convert_to(f.sql, 'UTF8')), 'hex')) AS current
        FROM unnest($1::text[], $2::text[]) AS f (path, sql)
        """
    /// Records one applied object file with the checksum of its text.
    static let recordObject = """
        INSERT INTO baton.schema_objects (path, checksum) VALUES ($1, encode(sha256(convert_to($2, 'UTF8')), 'hex'))
        ON CONFLICT (path) DO UPDATE SET checksum = excluded.checksum, applied_at = now()
        """
    /// Records one applied migration with the checksum of its text.
    static let record = """
        INSERT INTO baton.schema_migrations (version, name, checksum)
        VALUES ($1, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'))
        """
}
