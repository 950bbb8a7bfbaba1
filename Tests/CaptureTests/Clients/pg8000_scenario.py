"""pg8000 client scenario: queries with parameters, as the superuser and as a SCRAM role.

Connection parameters come from the PG* environment variables; the SCRAM role's name and
password are the first two arguments.
"""

import os
import sys

import pg8000.native


def connect(user: str, password: str | None = None) -> pg8000.native.Connection:
    return pg8000.native.Connection(
        user,
        host=os.environ["PGHOST"],
        port=int(os.environ["PGPORT"]),
        database=os.environ["PGDATABASE"],
        password=password,
    )


def main() -> None:
    scram_user, scram_password = sys.argv[1], sys.argv[2]

    conn = connect(os.environ["PGUSER"])
    try:
        conn.run("DROP TABLE IF EXISTS pg8000_items")
        conn.run("CREATE TABLE pg8000_items (id integer, name text)")
        for index in range(1, 4):
            conn.run("INSERT INTO pg8000_items VALUES (:id, :name)", id=index, name=f"item {index}")
        rows = conn.run("SELECT id, name FROM pg8000_items WHERE id >= :low ORDER BY id", low=2)
        assert rows == [[2, "item 2"], [3, "item 3"]], rows
        assert conn.run("SELECT :value::text || '!'", value="shout") == [["shout!"]]
    finally:
        conn.close()

    conn = connect(scram_user, scram_password)
    try:
        assert conn.run("SELECT current_user") == [[scram_user]]
    finally:
        conn.close()


if __name__ == "__main__":
    main()
