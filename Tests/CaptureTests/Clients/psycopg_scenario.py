"""psycopg 3 client scenario: parameters, pipeline mode, COPY both ways and a query cancel.

Connection parameters come from the PG* environment variables.
"""

import sys
import threading

import psycopg


def main() -> None:
    with psycopg.connect(autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS psycopg_items")
        conn.execute("CREATE TABLE psycopg_items (id integer, name text, amount numeric)")

        conn.execute("INSERT INTO psycopg_items VALUES (%s, %s, %s)", (1, "text param", 1.5))
        conn.execute("INSERT INTO psycopg_items VALUES (%s, %s, %s)", (2, None, 2), binary=True)
        row = conn.execute("SELECT name FROM psycopg_items WHERE id = %s", (1,)).fetchone()
        assert row == ("text param",), row

        with conn.pipeline():
            conn.execute("INSERT INTO psycopg_items VALUES (%s, %s, %s)", (3, "pipelined", 3))
            conn.execute("INSERT INTO psycopg_items VALUES (%s, %s, %s)", (4, "pipelined", 4))
            cursor = conn.execute("SELECT count(*) FROM psycopg_items WHERE name = %s", ("pipelined",))
        assert cursor.fetchone() == (2,)

        with conn.cursor() as cur:
            with cur.copy("COPY psycopg_items (id, name, amount) FROM STDIN") as copy:
                for index in range(5, 55):
                    copy.write_row((index, f"copied {index}", index * 10))
            with cur.copy("COPY psycopg_items TO STDOUT") as copy:
                rows = list(copy.rows())
        assert len(rows) == 54, len(rows)

        # Cancel from another thread, repeatedly in case a cancel lands before the query starts.
        finished = threading.Event()

        def keep_canceling() -> None:
            while not finished.wait(0.5):
                conn.cancel()

        canceler = threading.Thread(target=keep_canceling)
        canceler.start()
        try:
            conn.execute("SELECT pg_sleep(20)")
        except psycopg.errors.QueryCanceled:
            print("query canceled as expected")
        else:
            sys.exit("pg_sleep was not canceled")
        finally:
            finished.set()
            canceler.join()

        assert conn.execute("SELECT 1").fetchone() == (1,)


if __name__ == "__main__":
    main()
