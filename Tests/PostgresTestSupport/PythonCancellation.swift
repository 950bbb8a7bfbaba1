/// Python source shared by the tests that cancel a statement through psycopg.
public enum PythonCancellation {
    /// A Python function, `run_cancelled(conn, statement)`: runs `statement` on the psycopg connection `conn` and
    /// cancels it half a second later, then again every half second until it ends. One CancelRequest is not enough
    /// on a loaded machine: one that arrives before the server runs the statement is ignored (PostgreSQL ignores a
    /// cancel while it reads a command; `pgw serve` while no statement waits). Returns `(error, seconds)`: the
    /// `QueryCanceled` error, or `None` when the statement ended without one, and the seconds it took. No cancel is
    /// in flight when it returns. Needs `threading`, `time` and `psycopg` imported.
    public static let runCancelled = """
        def run_cancelled(conn, statement):
            done = threading.Event()
            def cancel():
                while not done.wait(0.5):
                    try:
                        conn.cancel()
                    except psycopg.Error:
                        pass
            canceller = threading.Thread(target=cancel)
            canceller.start()
            started = time.monotonic()
            try:
                conn.execute(statement)
                return None, time.monotonic() - started
            except psycopg.errors.QueryCanceled as error:
                return error, time.monotonic() - started
            finally:
                done.set()
                canceller.join()
        """
}
