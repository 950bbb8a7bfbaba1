import PostgresTestSupport

/// Python client sessions run directly and through the proxy; each prints what it got, so the outputs must match.
/// Arguments: host, port, user, password.
enum PythonClientScripts {
    /// A Python function, `cancelled_sleep(conn)`: runs a 20 s pg_sleep, cancels it (`run_cancelled`, which
    /// cancels again until the statement ends), and prints `cancelled SQLSTATE True` (True: within 10 s) or `not
    /// cancelled`. Needs `threading`, `time` and `psycopg` imported.
    static let cancelledSleep = """
        \(PythonCancellation.runCancelled)
        def cancelled_sleep(conn):
            error, seconds = run_cancelled(conn, "select pg_sleep(20)")
            if error is None:
                print("not cancelled")
            else:
                print("cancelled", error.sqlstate, seconds < 10)
        """

    /// Runs `script` with `python3 -c` and `arguments`, after checking that `module` imports (a missing module
    /// fails the test with its name).
    static func run(_ script: String, module: String, arguments: [String]) async throws -> ProcessOutcome {
        let python = try PostgresInstallation.executableOnPath("python3")
        let check = try await SubprocessCommand(python, ["-c", "import \(module)"]).run()
        guard check.succeeded else {
            throw TestSupportError.missingPrerequisite("the Python module \(module) (pip install \(module))")
        }
        return try await SubprocessCommand(python, ["-c", script] + arguments, timeout: .seconds(60)).run()
    }

    /// psycopg 3: a pipeline, COPY in and out, binary results, and a cancelled `pg_sleep` (libpq's PQcancel
    /// sends the CancelRequest to the proxy, which forwards it upstream).
    static let psycopg = """
        import sys, threading, time, psycopg
        host, port, user, password = sys.argv[1:5]
        conn = psycopg.connect(host=host, port=port, user=user, password=password, dbname="postgres", sslmode="disable")
        with conn.pipeline():
            a = conn.execute("select %s::int + 1", [41])
            b = conn.execute("select %s::text || 'x'", ["y"])
        print(a.fetchone(), b.fetchone())
        conn.execute("create temp table t (id int, name text)")
        with conn.cursor().copy("copy t from stdin") as copy:
            for i in range(100):
                copy.write_row((i, f"row {i}"))
        rows = bytearray()
        with conn.cursor().copy("copy t to stdout") as copy:
            for data in copy:
                rows += data
        print(len(rows), conn.execute("select count(*), sum(id) from t").fetchone())
        print(conn.cursor(binary=True).execute("select 1.5::float8, now() is not null").fetchone())
        \(cancelledSleep)
        cancelled_sleep(conn)
        conn.rollback()
        conn.close()
        """

    /// asyncpg: prepared statements with binary parameters, and an error.
    static let asyncpg = """
        import sys, asyncio, asyncpg
        host, port, user, password = sys.argv[1:5]
        async def main():
            conn = await asyncpg.connect(host=host, port=int(port), user=user, password=password,
                                         database="postgres", ssl=False)
            print(await conn.fetch("select g, g * 2 as twice from generate_series(1, $1::int) g", 3))
            try:
                await conn.execute("select 1/0")
            except asyncpg.DivisionByZeroError as error:
                print("error", error.sqlstate)
            await conn.close()
        asyncio.run(main())
        """

    /// pg8000: the extended protocol from pure Python.
    static let pg8000 = """
        import sys, pg8000.native
        host, port, user, password = sys.argv[1:5]
        conn = pg8000.native.Connection(user, host=host, port=int(port), password=password, database="postgres")
        print(conn.run("select :a::int * 3, 'hé'", a=14))
        conn.close()
        """
}
