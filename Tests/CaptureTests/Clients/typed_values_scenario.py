"""Binary values of the common types, through asyncpg or psycopg (binary results and parameters).

Usage: typed_values_scenario.py asyncpg|psycopg EXPRESSION...

For each SQL expression, one query returns a marker ('pgw-typed') and the value twice: as a value (binary on the
wire) and cast to text (its text output), so the decoded binary value can be compared with what PostgreSQL shows. The session runs with TimeZone UTC
and IntervalStyle postgres. Then one query with binary parameters (int4, text, float8, bool). Connection parameters
come from the PG* environment variables.
"""

import asyncio
import os
import sys


async def with_asyncpg(expressions: list[str]) -> None:
    import asyncpg

    conn = await asyncpg.connect(
        host=os.environ["PGHOST"], port=int(os.environ["PGPORT"]), user=os.environ["PGUSER"],
        database=os.environ["PGDATABASE"], ssl=False,
        server_settings={"TimeZone": "UTC", "IntervalStyle": "postgres"},
    )
    try:
        for expression in expressions:
            try:
                await conn.fetchrow(f"SELECT 'pgw-typed' AS marker, {expression} AS value, ({expression})::text AS text")
            except (ValueError, OverflowError):
                pass  # Python has no BC dates or 24:00; the rows were sent all the same.
        row = await conn.fetchrow("SELECT $1::int4 + 1, $2::text, $3::float8, $4::bool", 41, "hello", 0.5, True)
        assert tuple(row) == (42, "hello", 0.5, True), row
    finally:
        await conn.close()


def with_psycopg(expressions: list[str]) -> None:
    import psycopg

    with psycopg.connect(autocommit=True, options="-c TimeZone=UTC -c IntervalStyle=postgres") as conn:
        for expression in expressions:
            try:
                conn.execute(f"SELECT 'pgw-typed' AS marker, {expression} AS value, ({expression})::text AS text", binary=True).fetchone()
            except psycopg.DataError:
                pass  # Python has no BC dates or 24:00; the rows were sent all the same.
        row = conn.execute("SELECT %b::int4 + 1, %b::text, %b::float8, %b::bool", (41, "hello", 0.5, True),
                           binary=True).fetchone()
        assert row[0] == 42 and row[2] == 0.5 and row[3] is True, row


if __name__ == "__main__":
    driver, expressions = sys.argv[1], sys.argv[2:]
    if driver == "asyncpg":
        asyncio.run(with_asyncpg(expressions))
    else:
        with_psycopg(expressions)
