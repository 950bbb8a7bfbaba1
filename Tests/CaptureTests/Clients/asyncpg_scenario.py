"""asyncpg client scenario: parameters, a prepared statement, binary COPY and executemany.

Connection parameters come from the PG* environment variables.
"""

import asyncio
import os

import asyncpg


async def main() -> None:
    conn = await asyncpg.connect(
        host=os.environ["PGHOST"],
        port=int(os.environ["PGPORT"]),
        user=os.environ["PGUSER"],
        database=os.environ["PGDATABASE"],
        ssl="prefer",
    )
    try:
        await conn.execute("DROP TABLE IF EXISTS asyncpg_items")
        await conn.execute("CREATE TABLE asyncpg_items (id integer, name text, created timestamptz)")

        rows = await conn.fetch("SELECT $1::int + 1 AS answer, $2::text AS word", 41, "hello")
        assert rows[0]["answer"] == 42 and rows[0]["word"] == "hello", rows

        statement = await conn.prepare("SELECT id, name FROM asyncpg_items WHERE id > $1 ORDER BY id")
        assert await statement.fetch(0) == []

        await conn.copy_records_to_table(
            "asyncpg_items",
            records=[(index, f"copied {index}", None) for index in range(1, 101)],
            columns=["id", "name", "created"],
        )
        await conn.executemany(
            "INSERT INTO asyncpg_items (id, name) VALUES ($1, $2)",
            [(index, f"many {index}") for index in range(101, 111)],
        )
        assert len(await statement.fetch(100)) == 10
        assert await conn.fetchval("SELECT count(*) FROM asyncpg_items") == 110
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
