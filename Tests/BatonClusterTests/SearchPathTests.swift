import BatonCluster
import Foundation
import Testing
import TestSupport

/// Baton's SQL functions resolve nothing through a schema other roles can write to: exact-type
/// look-alikes of the built-ins they call, planted in `public`, are never run.
@Suite struct SearchPathTests {
    /// Each look-alike logs its call and then does what the built-in does, so the work goes on.
    static let lookAlikes = """
        CREATE TABLE public.hijacked (what text);
        GRANT ALL ON public.hijacked TO PUBLIC;
        CREATE FUNCTION public.power(integer, integer) RETURNS double precision LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO public.hijacked VALUES ('power'); RETURN pg_catalog.power($1::float8, $2::float8); END $$;
        CREATE FUNCTION public.set_bit(bytea, integer, integer) RETURNS bytea LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO public.hijacked VALUES ('set_bit'); RETURN pg_catalog.set_bit($1, $2::bigint, $3); END $$;
        CREATE FUNCTION public.cat(text, uuid) RETURNS text LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO public.hijacked VALUES ('||'); RETURN pg_catalog.textcat($1, $2::text); END $$;
        CREATE OPERATOR public.|| (LEFTARG = text, RIGHTARG = uuid, FUNCTION = public.cat);
        CREATE FUNCTION public.jsonb_typeof(jsonb) RETURNS text LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO public.hijacked VALUES ('jsonb_typeof'); RETURN pg_catalog.jsonb_typeof($1); END $$;
        """

    @Test func lookAlikesOfBuiltInsInPublicAreNeverCalled() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.pool.withConnection { connection in
                try await connection.execute(script: Self.lookAlikes)
                // The planted functions work when called the way an unqualified call would find them.
                let planted = try await connection.query("SELECT power(2, 3)")[0].decode(0, as: Double.self)
                #expect(planted == 8)
                try await connection.execute(script: "TRUNCATE public.hijacked")
                // From SQL: a task (baton.new_id), a chain, and a failure that is retried (baton.retry_backoff).
                try await connection.execute("SELECT baton.async_task('baton.echo', '[1]')")
                try await connection.execute(
                    "SELECT baton.async_chain('[[\"baton.echo\", [1]], [\"baton.echo\", [2]]]', 'sp-chain')")
                try await connection.execute(
                    "SELECT baton.async_task('baton.fail', '[\"again\"]', max_attempts => 2, retry_delay => '10 ms')")
                try await connection.execute("SELECT baton.async_tasks('[[\"baton.echo\", [3]]]')")
            }
            try await withCluster(broker) {
                let drained = try await waitUntil(.seconds(15)) {
                    try await count("SELECT count(*) FROM baton.results", on: broker) == 5
                }
                #expect(drained)
            }
            let calls = try await broker.pool.withConnection { connection in
                try await connection.query("SELECT coalesce(string_agg(DISTINCT what, ', '), '') FROM public.hijacked")[0]
                    .decode(0, as: String.self)
            }
            #expect(calls == "", "Baton's functions called look-alikes planted in public: \(calls)")
        }
    }

    @Test func everyFunctionOfBatonSetsItsSearchPath() async throws {
        try await TestDatabase.withBroker { broker in
            let unset = try await broker.pool.withConnection { connection in
                try await connection.query("""
                    SELECT coalesce(string_agg(p.oid::regprocedure::text, ', '), '') FROM pg_proc AS p
                    WHERE p.pronamespace = 'baton'::regnamespace
                      AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) AS c WHERE c = 'search_path=pg_catalog, baton, pg_temp')
                    """)[0].decode(0, as: String.self)
            }
            #expect(unset == "", "functions without the fixed search_path: \(unset)")
        }
    }
}
