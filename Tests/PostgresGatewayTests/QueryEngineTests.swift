import NIOCore
import PostgresWire
import Testing

@testable import PostgresGateway

/// The query engine without I/O: PostgreSQL's parser, session plumbing, constant SELECTs, catalog queries and
/// binary results.
struct QueryEngineTests {
    static func session() -> QuerySession {
        QuerySession(
            responder: ServerEmulationResponder(serverVersion: "16.4"),
            settings: ["application_name": "tests", "user": "alice"],
            reportedParameters: [
                ("server_version", "16.4"), ("TimeZone", "UTC"), ("standard_conforming_strings", "on"),
            ])
    }

    /// The text values of the DataRows among `replies`.
    static func rows(_ replies: [BackendMessage]) -> [[String?]] {
        replies.compactMap { reply in
            guard case .dataRow(let row) = reply else { return nil }
            return row.columns.map { $0.map { String(buffer: $0) } }
        }
    }

    /// The columns (name and type OID) of the first RowDescription among `replies`.
    static func columns(_ replies: [BackendMessage]) -> [String] {
        for reply in replies {
            if case .rowDescription(let description) = reply {
                return description.columns.map { "\($0.name):\($0.dataTypeOID)" }
            }
        }
        return []
    }

    static func error(_ replies: [BackendMessage]) -> DiagnosticMessage? {
        for reply in replies { if case .errorResponse(let diagnostic) = reply { return diagnostic } }
        return nil
    }

    /// A cast to a type with modifiers gives the column PostgreSQL's type modifier, which constant folding keeps
    /// through CASE and COALESCE and arithmetic drops (psycopg's `pgresult.fmod` against PostgreSQL 15).
    @Test(arguments: [
        ("select 1.234::numeric(5,2)", 327_686), ("select 'a'::varchar(10)", 14), ("select null::varchar(5)", 9),
        ("select 'ab'::char", 5), ("select 'ab'::char(3)", 7),
        ("select case when true then 'a'::varchar(10) else 'b'::varchar(20) end", 14),
        ("select coalesce('a'::varchar(10), 'b')", 14), ("select nullif(1.5::numeric(5,2), 2)", 327_686),
        ("select (1.5::numeric(5,2))::numeric", -1), ("select 1.5::numeric(5,2) + 1", -1), ("select 'a'::text", -1),
    ])
    func castsGiveTheTypeModifierPostgreSQLSends(statement: String, typeModifier: Int32) {
        var session = Self.session()
        let replies = session.handle(.query(Query(statement)))
        guard case .rowDescription(let description) = replies.first else {
            Issue.record("expected a RowDescription, got \(replies)")
            return
        }
        #expect(description.columns.map(\.typeModifier) == [typeModifier])
    }

    /// Unmatched utility statements complete with the tag PostgreSQL 15 sends for them (each checked with psql),
    /// not libpg_query's node names (CREATEDB, CREATE SEQ, RENAME, DEFINE…); SELECT … INTO returns no rows.
    @Test(arguments: [
        ("create database d", "CREATE DATABASE"), ("drop database if exists d", "DROP DATABASE"),
        ("alter database d set work_mem = '1MB'", "ALTER DATABASE"), ("create sequence s", "CREATE SEQUENCE"),
        ("alter sequence s restart", "ALTER SEQUENCE"), ("refresh materialized view m", "REFRESH MATERIALIZED VIEW"),
        ("create trigger g before insert on t for each row execute function f()", "CREATE TRIGGER"),
        ("alter trigger g on t rename to h", "ALTER TRIGGER"), ("create type y as (a int)", "CREATE TYPE"),
        ("create type e as enum ('a')", "CREATE TYPE"), ("alter type e add value 'b'", "ALTER TYPE"),
        ("create type r as range (subtype = int4)", "CREATE TYPE"),
        ("create aggregate a (int) (sfunc = int4pl, stype = int)", "CREATE AGGREGATE"),
        ("create text search configuration c (copy = english)", "CREATE TEXT SEARCH CONFIGURATION"),
        ("create collation c from \"C\"", "CREATE COLLATION"),
        ("create rule r as on insert to t do nothing", "CREATE RULE"),
        ("create foreign data wrapper w", "CREATE FOREIGN DATA WRAPPER"),
        ("create server v foreign data wrapper w", "CREATE SERVER"),
        ("create statistics s on a, b from t", "CREATE STATISTICS"),
        ("create operator === (procedure = int4eq, leftarg = int, rightarg = int)", "CREATE OPERATOR"),
        ("create operator class o for type int using btree as operator 1 <", "CREATE OPERATOR CLASS"),
        ("create event trigger e on ddl_command_start execute function f()", "CREATE EVENT TRIGGER"),
        ("alter table t rename to u", "ALTER TABLE"), ("alter table t rename column c to d", "ALTER TABLE"),
        ("alter view v rename column c to d", "ALTER VIEW"), ("alter index i rename to j", "ALTER INDEX"),
        ("alter materialized view m rename to n", "ALTER MATERIALIZED VIEW"),
        ("alter materialized view m set schema s", "ALTER MATERIALIZED VIEW"),
        ("create procedure p() language sql as 'select 1'", "CREATE PROCEDURE"),
        ("alter procedure p() rename to q", "ALTER PROCEDURE"),
        ("create access method a type table handler heap_tableam_handler", "CREATE ACCESS METHOD"),
        ("checkpoint", "CHECKPOINT"), ("revoke r from u", "REVOKE ROLE"), ("revoke select on t from public", "REVOKE"),
        ("grant select on t to public", "GRANT"), ("close all", "CLOSE CURSOR ALL"),
        ("create language l handler h", "CREATE LANGUAGE"),
        ("alter operator === (int, int) owner to x", "ALTER OPERATOR"),
        ("alter text search configuration c owner to x", "ALTER TEXT SEARCH CONFIGURATION"),
        ("alter server v options (add host 'x')", "ALTER SERVER"),
        ("drop materialized view m", "DROP MATERIALIZED VIEW"),
        ("drop text search dictionary d", "DROP TEXT SEARCH DICTIONARY"), ("drop server v", "DROP SERVER"),
        ("drop foreign data wrapper w", "DROP FOREIGN DATA WRAPPER"), ("drop statistics s", "DROP STATISTICS"),
        ("drop operator family f using btree", "DROP OPERATOR FAMILY"),
        ("security label on table t is 'x'", "SECURITY LABEL"),
        ("create tablespace s location '/x'", "CREATE TABLESPACE"),
        ("alter large object 1 owner to x", "ALTER LARGE OBJECT"),
        ("create table t as select 1 as x with no data", "CREATE TABLE AS"),
        ("create materialized view m as select 1 as x with no data", "CREATE MATERIALIZED VIEW"),
        ("select 1 into t2", "SELECT 0"), ("alter user u nologin", "ALTER ROLE"), ("create user u", "CREATE ROLE"),
    ])
    func utilityStatementsCompleteWithPostgreSQLsTags(statement: String, tag: String) {
        var session = Self.session()
        let replies = session.handle(.query(Query(statement)))
        #expect(replies.contains(.commandComplete(CommandComplete(tag: tag))), "\(replies)")
        #expect(Self.rows(replies).isEmpty, "\(replies)")
    }

    /// PostgreSQL sends each column's `pg_type.typlen` (psycopg's `internal_size` against PostgreSQL 15, for this
    /// statement: 2, 4, 8, -1, 1, 8, 4, -1, 8).
    @Test func rowDescriptionsCarryTheTypeSizesPostgreSQLSends() {
        var session = Self.session()
        let replies = session.handle(
            .query(Query("select 1::int2, 1, 1::int8, 'a'::text, true, now(), current_date, 1.5, 1.5::float8")))
        guard case .rowDescription(let description) = replies.first else {
            Issue.record("expected a RowDescription, got \(replies)")
            return
        }
        #expect(description.columns.map(\.dataTypeSize) == [2, 4, 8, -1, 1, 8, 4, -1, 8])
    }

    @Test func constantSelectsAreEvaluatedWithTypes() {
        var session = Self.session()
        let replies = session.handle(.query(Query("select 1, 'a', null, true, 1.5::float8, 2 * (3 + 4) as n, now()")))
        #expect(
            Self.columns(replies) == [
                "?column?:23", "?column?:25", "?column?:25", "bool:16", "float8:701", "n:23", "now:1184",
            ])
        let row = Self.rows(replies).first ?? []
        #expect(Array(row.prefix(6)) == ["1", "a", nil, "t", "1.5", "14"])
        #expect(row.last??.hasSuffix("+00") == true)
        #expect(
            Self.rows(session.handle(.query(Query("select version(), current_user")))) == [
                ["PostgreSQL 16.4 on pgw", "alice"]
            ])
        #expect(Self.error(session.handle(.query(Query("select 1/0"))))?.sqlState == "22012")
        #expect(Self.error(session.handle(.query(Query("select 2147483647 + 1"))))?.sqlState == "22003")
        #expect(Self.error(session.handle(.query(Query("select 'x'::int"))))?.sqlState == "22P02")
    }

    /// Arithmetic and logic as PostgreSQL 15 answers them (each expectation checked against `psql` on a real
    /// server): negative constants (which libpg_query's JSON output writes as zero), numeric division and scale,
    /// float4 and float8 types and their range, date casts, `^`, `coalesce`, `abs`, IS NULL, three-valued AND/OR.
    @Test(
        arguments: [
            ("select -7", "-7", 23), ("select -(7)", "-7", 23), ("select -7/2", "-3", 23), ("select -7 % 3", "-1", 23),
            ("select 7/-2", "-3", 23), ("select - /* c */ 9223372036854775807", "-9223372036854775807", 20),
            ("select -2147483648", "-2147483648", 23), ("select 0", "0", 23), ("select -1.5", "-1.5", 1700),
            ("select 1.0/3", "0.33333333333333333333", 1700), ("select 10.0/4", "2.5000000000000000", 1700),
            ("select 12345.678/0.001", "12345678.000000000000", 1700),
            ("select 0.001/3", "0.00033333333333333333", 1700),
            ("select 100::numeric / 7", "14.2857142857142857", 1700), ("select 2.50 * 1.5", "3.750", 1700),
            ("select 7.5 % 2", "1.5", 1700), ("select 1.5 + 1", "2.5", 1700), ("select '1.50'::numeric", "1.50", 1700),
            ("select 1::float4/3", "0.3333333333333333", 701), ("select 1::float4/3::float4", "0.33333334", 700),
            ("select 3.0::float4 * 1.1", "3.3000000000000003", 701), ("select 'Infinity'::float8", "Infinity", 701),
            ("select '2024-02-29 12:00:00+00'::date", "2024-02-29", 1082),
            ("select '2024-02-29'::timestamp", "2024-02-29 00:00:00", 1114),
            ("select 2::int2 * 3::int2", "6", 21), ("select 2::int2 * 3", "6", 23),
            ("select 2^10", "1024", 701), ("select coalesce(null, 1)", "1", 23), ("select abs(-3)", "3", 23),
            ("select 'x'::text is null", "f", 16), ("select now()::date is not null", "t", 16),
            ("select true and not false", "t", 16), ("select null::bool and false", "f", 16),
            ("select null::bool or false", nil, 16),
            ("select 'abc'::bytea", "\\x616263", 17), ("select 'a\\\\b'::bytea", "\\x615c62", 17),
            ("select true::int", "1", 23), ("select false::int", "0", 23), ("select 2::bool", "t", 16),
            ("select 0::bool", "f", 16), ("select 'yes'::bool", "t", 16), ("select true::text", "true", 25),
            ("select true || 'a'", "truea", 25), ("select 1e15::float8", "1e+15", 701),
            ("select 1e14::float8", "100000000000000", 701),
            ("select 123456789012345.6::float8", "123456789012345.6", 701), ("select 0.00001::float8", "1e-05", 701),
            ("select 0.0001::float8", "0.0001", 701), ("select 1234567.0::float4", "1.234567e+06", 700),
            ("select 123456::float4", "123456", 700), ("select 0.1::float4::float8", "0.10000000149011612", 701),
            ("select 1.7976931348623157e308::float8", "1.7976931348623157e+308", 701),
            ("select -0.0::float8", "-0", 701), ("select -0.0", "0.0", 1700), ("select 1e3", "1000", 1700),
            ("select timestamp '2024-01-01 12:00'", "2024-01-01 12:00:00", 1114),
            ("select '2024-1-5 1:02:03.500'::timestamp", "2024-01-05 01:02:03.5", 1114),
            ("select date '2024-01-01'", "2024-01-01", 1082), ("select 'abc'::varchar(2)", "ab", 1043),
            ("select 'abc'::char(2)", "ab", 1042), ("select 'a'::char(3)", "a  ", 1042),
            ("select 'abc'::char", "a", 1042),
            ("select 123.456::numeric(5,2)", "123.46", 1700), ("select 1.5::numeric(5,3)", "1.500", 1700),
            ("select 2.5::numeric(2)", "3", 1700), ("select 0.3 = 0.30000000000000001", "f", 16),
            ("select 2.5::float8::int", "2", 23), ("select 2.5::int", "3", 23), ("select '1' + 1", "2", 23),
            ("select 'NaN'::float8 = 'NaN'::float8", "t", 16), ("select (0.1::float8 + 0.2)::numeric", "0.3", 1700),
            ("select coalesce(1, 2::int8)", "1", 20), ("select '2024-1-1'::date = '2024-01-01'", "t", 16),
            ("select length('héllo')", "5", 23),
            ("select '{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}'::uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", 2950),
            // CASE: constant folding skips branches not taken; the results' type is select_common_type's.
            ("select case when true then 1 else 1/0 end", "1", 23),
            ("select case when false then 1/0 else 2 end", "2", 23),
            ("select case when 1 = 1 then 1 else 2.5 end", "1", 1700), ("select case when true then 'a' end", "a", 25),
            ("select case when false then 'a' end", nil, 25),
            ("select case 1 when 1 then 'one' when 2 then 'two' end", "one", 25),
            ("select case 3 when 1 then 'one' else 'other' end", "other", 25),
            ("select case null when null then 1 else 2 end", "2", 23),
            ("select case when null then 1 else 2 end", "2", 23),
            ("select case when 'true' then 1 end", "1", 23), ("select case when true then 1 else '2' end", "1", 23),
            ("select case when true then 1 when 1/0 = 1 then 2 end", "1", 23),
            ("select case when true then 'a'::varchar else 'b'::text end", "a", 25),
            ("select case when true then 'a'::text else 'b'::varchar end", "a", 1043),
            ("select case when true then 1.5 else 1.5::float4 end", "1.5", 700),
            // BETWEEN, IN, NULLIF, GREATEST, LEAST with SQL's NULLs.
            ("select 2 between 1 and 3", "t", 16), ("select 5 not between 1 and 3", "t", 16),
            ("select 1 between null and 0", "f", 16), ("select 1 between 2 and null", "f", 16),
            ("select 2 between symmetric 3 and 1", "t", 16), ("select 2 not between symmetric 3 and 1", "f", 16),
            ("select 'b' between 'a' and 'c'", "t", 16), ("select 1 in (1, 2)", "t", 16),
            ("select 3 in (1, null)", nil, 16), ("select 1 in (1, null)", "t", 16),
            ("select 3 not in (1, null)", nil, 16),
            ("select 3 not in (1, 2)", "t", 16), ("select 1 in (1.0, 2)", "t", 16), ("select '1' in (1, 2)", "t", 16),
            ("select nullif(1, 1)", nil, 23), ("select nullif(1, 2.0)", "1", 1700),
            ("select nullif('a', 'b')", "a", 25),
            ("select nullif('1', 1)", nil, 23), ("select nullif(null, null)", nil, 25),
            ("select nullif(2::int8, 3)", "2", 20),
            ("select greatest(1, 2.5, 2)", "2.5", 1700), ("select least(1, 2.5)", "1", 1700),
            ("select greatest(1, null, 3)", "3", 23), ("select greatest(null, null)", nil, 25),
            ("select least('b', 'a', 'c')", "a", 25), ("select greatest('a'::varchar, 'b')", "b", 1043),
            ("select coalesce('a'::varchar, 'b'::text)", "a", 1043),
            // Text sorts by code point in the C.UTF-8 collation serve reports (lc_collate).
            ("select 'abc' < 'abd'", "t", 16), ("select 'B' < 'a'", "t", 16), ("select 'é' > 'z'", "t", 16),
            ("select 'abc'::varchar >= 'abd'::text", "f", 16), ("select 'é' = 'e\u{301}'", "f", 16),
        ] as [(String, String?, UInt32)])
    func arithmeticAnswersAsPostgreSQLDoes(statement: String, value: String?, type: UInt32) {
        var session = Self.session()
        let replies = session.handle(.query(Query(statement)))
        #expect(Self.rows(replies) == [[value]], "\(replies)")
        #expect(Self.columns(replies).first?.hasSuffix(":\(type)") == true, "\(Self.columns(replies))")
    }

    @Test(arguments: [
        ("select '1e400'::float8", "22003", "\"1e400\" is out of range for type double precision"),
        ("select '1e-400'::float8", "22003", "\"1e-400\" is out of range for type double precision"),
        ("select 1e-300::float8 * 1e-300::float8", "22003", "value out of range: underflow"),
        ("select 0::float8 ^ -1::float8", "2201F", "zero raised to a negative power is undefined"),
        ("select '2024-13-01'::date", "22008", "date/time field value out of range: \"2024-13-01\""),
        ("select '2023-02-29'::date", "22008", "date/time field value out of range: \"2023-02-29\""),
        ("select '2024-01-01 12:60'::timestamp", "22008", "date/time field value out of range: \"2024-01-01 12:60\""),
        ("select 1234.5::numeric(5,2)", "22003", "numeric field overflow"),
        ("select true::int8", "42846", "cannot cast type boolean to bigint"),
        ("select 1.5::numeric::bool", "42846", "cannot cast type numeric to boolean"),
        ("select '99999999999'::int", "22003", "value \"99999999999\" is out of range for type integer"),
        ("select '1.5' + 1", "22P02", "invalid input syntax for type integer: \"1.5\""),
        ("select coalesce(1, 'a')", "22P02", "invalid input syntax for type integer: \"a\""),
        ("select abs(-2147483648)", "22003", "integer out of range"),
        ("select '\\x414'::bytea", "22023", "invalid hexadecimal data: odd number of digits"),
        ("select '\\xzz'::bytea", "22023", "invalid hexadecimal digit: \"z\""),
        ("select 'a\\b'::bytea", "22P02", "invalid input syntax for type bytea"),
        ("select 1e308::float8 * 10", "22003", "value out of range: overflow"),
        ("select 1.5 / 0", "22012", "division by zero"), ("select 1.5 % 0.0", "22012", "division by zero"),
        ("select 32767::int2 + 1::int2", "22003", "smallint out of range"),
        ("select case when 1 then 1 end", "42804", "argument of CASE/WHEN must be type boolean, not type integer"),
        ("select case when true then true else 1 end", "42804", "CASE types integer and boolean cannot be matched"),
        ("select case when false then 1 else 'x' end", "22P02", "invalid input syntax for type integer: \"x\""),
        ("select case when false then 'x'::int else 1 end", "22P02", "invalid input syntax for type integer: \"x\""),
        ("select case when 1/0 = 1 then 1 end", "22012", "division by zero"),
        ("select 1 in ('x', 1)", "22P02", "invalid input syntax for type integer: \"x\""),
        ("select nullif(1, 'x')", "22P02", "invalid input syntax for type integer: \"x\""),
        ("select greatest(1, true)", "42804", "GREATEST types integer and boolean cannot be matched"),
        ("select coalesce(1, true)", "42804", "COALESCE types integer and boolean cannot be matched"),
    ])
    func arithmeticErrorsAsPostgreSQLs(statement: String, code: String, message: String) {
        var session = Self.session()
        let error = Self.error(session.handle(.query(Query(statement))))
        #expect(error?.sqlState == code && error?.message == message, "\(String(describing: error))")
    }

    /// PostgreSQL's detail and hint of errors (as psql shows them on PostgreSQL 15).
    @Test func errorsHavePostgreSQLsDetailAndHint() {
        var session = Self.session()
        let overflow = Self.error(session.handle(.query(Query("select 1::numeric(2,2)"))))
        #expect(overflow?[.detail] == "A field with precision 2, scale 2 must round to an absolute value less than 1.")
        let month = Self.error(session.handle(.query(Query("select '2024-00-01'::date"))))
        #expect(month?[.hint] == "Perhaps you need a different \"datestyle\" setting.")
        let day = Self.error(session.handle(.query(Query("select '2024-04-31'::date"))))
        #expect(day?.sqlState == "22008" && day?[.hint] == nil)
    }

    /// Settings that change how values print apply to constant SELECTs too, though their answer with the default
    /// settings is computed once (values as psql shows them on PostgreSQL 15 after the SET): a timestamptz in the
    /// session's zone, dates in its DateStyle.
    @Test(arguments: [
        ("set bytea_output = escape", "select 'a\\\\b'::bytea, '\\x00ff41'::bytea", ["a\\\\b", "\\000\\377A"]),
        (
            "set extra_float_digits = 0", "select 1::float8/3, 0.1::float4 + 0, (1::float8/3)::text, 1e15::float8",
            ["0.333333333333333", "0.100000001490116", "0.333333333333333", "1e+15"]
        ),
        ("set extra_float_digits = -3", "select 1::float8/3", ["0.333333333333"]),
        ("set time zone 'Europe/Paris'", "select '2024-01-01 00:00+00'::timestamptz", ["2024-01-01 01:00:00+01"]),
        ("set datestyle = 'SQL, DMY'", "select date '2024-01-05'", ["05/01/2024"]),
        ("set time zone 'Etc/UTC'", "select '2024-01-01 00:00+00'::timestamptz", ["2024-01-01 00:00:00+00"]),
    ])
    func outputSettingsChangeConstantAnswers(set: String, statement: String, values: [String]) {
        var session = Self.session()
        _ = session.handle(.query(Query(statement)))
        _ = session.handle(.query(Query(set)))
        let replies = session.handle(.query(Query(statement)))
        if values == ["echo"] {
            #expect(Self.columns(replies) == ["echo:25"], "\(replies)")
        } else {
            #expect(Self.rows(replies) == [values], "\(replies)")
        }
    }

    /// Expressions whose value the engine cannot compute as PostgreSQL does are answered as unmatched statements:
    /// numerics beyond 38 digits, char(n) comparisons, other date forms, operators PostgreSQL does not have.
    @Test(arguments: [
        "select 1e300 * 1e300", "select 99999999999999999999 * 99999999999999999999", "select '1e300'::numeric",
        "select 'a'::char(3) = 'a'", "select 'today'::date", "select true = 1", "select 1 || 2",
        "select 'a'::text + 1", "select 12345::numeric(5,-2)", "select case '1' when 1 then 'x' end",
        "select case when true then 1 else abs(-2147483648) end",
    ])
    func uncomputedExpressionsAreUnmatched(statement: String) {
        var session = Self.session()
        #expect(Self.columns(session.handle(.query(Query(statement)))) == ["echo:25"])
    }

    /// WHERE, HAVING, LIMIT and OFFSET of a SELECT without FROM decide whether its row is returned (as checked
    /// against psql on PostgreSQL 15); a set operation is not evaluated (echoed, like other unmatched statements).
    @Test func whereLimitAndOffsetOfASelectWithoutFromAsPostgreSQL() {
        let cases: [(String, [[String?]])] = [
            ("select 1 where false", []), ("select 1 where 1 = 2", []), ("select 1 where null", []),
            ("select 'a' where true", [["a"]]), ("select 1 as a having true", [["1"]]),
            ("select 1 where 'x' = 'x' and 2 > 1", [["1"]]), ("select 1 limit 0", []), ("select 1 limit null", [["1"]]),
            ("select 1 limit 5 offset 0", [["1"]]), ("select 1 offset 1", []),
        ]
        for (statement, rows) in cases {
            var session = Self.session()
            let replies = session.handle(.query(Query(statement)))
            #expect(Self.rows(replies) == rows, "\(statement): \(replies)")
            #expect(Self.columns(replies).count == 1, "\(statement): \(replies)")
        }
        var session = Self.session()
        #expect(Self.error(session.handle(.query(Query("select 1/0 where false"))))?.sqlState == "22012")
        #expect(Self.columns(session.handle(.query(Query("select 1 union select 2")))) == ["echo:25"])
        // With a parameter: `where $1` is a bool.
        _ = session.handle(.parse(Parse(query: "select 1 as one where $1")))
        _ = session.handle(.bind(Bind(parameters: [ByteBuffer(string: "false")])))
        #expect(Self.rows(session.handle(.execute(Execute()))) == [])
    }

    /// `--unmatched empty` answers a select list's columns with no rows; a `*` is a table's columns, which a mock
    /// does not know, so it adds none.
    @Test func unmatchedEmptyAnswersTheSelectListWithoutStars() {
        var session = QuerySession(responder: ServerEmulationResponder(serverVersion: "16.4", unmatched: .empty))
        #expect(Self.columns(session.handle(.query(Query("select * from t")))) == [])
        #expect(Self.columns(session.handle(.query(Query("select *, id::int8, t.* from t")))) == ["id:20"])
        #expect(Self.rows(session.handle(.query(Query("select id from t")))) == [])
    }

    @Test func currentDatabaseIsTheStartupsDatabase() {
        var session = QuerySession(
            responder: ServerEmulationResponder(serverVersion: "16.4"), settings: ["user": "alice", "database": "app"])
        #expect(
            Self.rows(session.handle(.query(Query("select current_database(), current_catalog")))) == [["app", "app"]])
        #expect(Self.error(session.handle(.query(Query("show pgw.database"))))?.sqlState == "42704")
        var unnamed = Self.session()
        #expect(Self.rows(unnamed.handle(.query(Query("select current_database()")))) == [["alice"]])
    }

    @Test func syntaxErrorsCarryPostgreSQLsPosition() throws {
        var session = Self.session()
        let single = try #require(Self.error(session.handle(.query(Query("selec 1")))))
        #expect(single.sqlState == "42601" && single.message == "syntax error at or near \"selec\"")
        #expect(single[.position] == "1")
        // In a query of several statements the position counts from the start of the query string.
        let second = try #require(Self.error(session.handle(.query(Query("select 1; select from from")))))
        #expect(second[.position] == "23")
    }

    /// The echo writes bound values into the statement as literals: `$12` is not `$1` followed by 2, a `$n` beyond the
    /// parameters and `$$` stay, quotes are doubled, NULL is NULL.
    @Test func echoedStatementsHaveTheirParametersWrittenIn() {
        let parameters: [String?] = (1...12).map { $0 == 2 ? nil : $0 == 3 ? "it's" : "v\($0)" }
        #expect(
            ServerEmulationResponder.substitute(parameters, into: "select $1, $2, $3, $12, $13, $$x$$, $")
                == "select 'v1', NULL, 'it''s', 'v12', $13, $$x$$, $")
    }

    /// More than 1,664 select-list entries are PostgreSQL's 54011 at Parse (a Bind of thousands of parameters
    /// cannot make the engine evaluate thousands of columns); 1,664 are answered.
    @Test func targetListsHavePostgreSQLsLimit() {
        var session = Self.session()
        let widest = "select " + (1...1_664).map { "$\($0)::int" }.joined(separator: ",")
        _ = session.handle(.parse(Parse(query: widest)))
        _ = session.handle(.bind(Bind(parameters: Array(repeating: ByteBuffer(string: "7"), count: 1_664))))
        #expect(Self.rows(session.handle(.execute(Execute()))).first?.count == 1_664)
        _ = session.handle(.sync)
        let error = Self.error(session.handle(.parse(Parse(query: widest + ",1"))))
        #expect(error?.sqlState == "54011" && error?.message == "target lists can have at most 1664 entries")
    }

    /// libpg_query's JSON, read by hand: escapes (a quote, a backslash, control characters, a surrogate pair),
    /// numbers, booleans and nulls; malformed or too deep JSON is refused.
    @Test func parseTreeJSONIsReadExactly() throws {
        func read(_ json: String) -> ParseTreeNode? {
            var json = json
            return json.withUTF8 { ParseTreeJSONReader.read($0) }
        }
        let node = try #require(
            read(#" {"a": ["x\"y\\z\n\t\u00e9\ud83d\ude00", -1.5e2, true, false, null, {}, []], "b": 7} "#))
        #expect(node["a"]?.elements.first?.string == "x\"y\\z\n\té😀")
        #expect(
            node["a"]?.elements.dropFirst().first.flatMap { if case .number(let n) = $0 { n } else { nil } } == -150)
        #expect(node["a"]?.elements[2].bool == true && node["b"]?.integer == 7)
        for malformed in [#"{"a" 1}"#, "[1,]", #"{"a":1"#, "tru", #""\u12""#, "[1] x", #""\ud83d""#] {
            #expect(read(malformed) == nil, "\(malformed)")
        }
        let depth = ParseTreeJSONReader.maximumDepth
        #expect(read(String(repeating: "[", count: depth) + String(repeating: "]", count: depth)) != nil)
        #expect(read(String(repeating: "[", count: depth + 2) + String(repeating: "]", count: depth + 2)) == nil)
    }

    /// Deeply nested expressions get PostgreSQL's 54001 (not a crash); statements too long to parse are answered
    /// as unmatched ones, however deep.
    @Test func deepExpressionsAreRefusedNotFatal() {
        var session = Self.session()
        let deep = "select " + String(repeating: "1+", count: 2_000) + "1"
        #expect(Self.error(session.handle(.query(Query(deep))))?.sqlState == "54001")
        let huge = "select " + String(repeating: "1+", count: 200_000) + "1"
        #expect(Self.columns(session.handle(.query(Query(huge)))) == ["echo:25"])
        #expect(Self.rows(session.handle(.query(Query("select 1")))) == [["1"]])
    }

    @Test(arguments: [
        ("SET TIME ZONE 'Europe/Paris'", "TimeZone", "Europe/Paris"),
        ("set timezone to 'UTC'", "TimeZone", "UTC"),
        // A number of hours or an interval is a POSIX zone, as PostgreSQL 15 shows it.
        ("SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE", "TimeZone", "<+05:30>-05:30"),
        ("SET TIME ZONE INTERVAL '-08:00'", "TimeZone", "<-08>+08"),
        ("SET TIME ZONE interval '2 hours'", "TimeZone", "<+02>-02"),
        ("set time zone 5.5", "TimeZone", "<+05:30>-05:30"),
        ("set time zone -7", "TimeZone", "<-07>+07"),
        ("SET SESSION application_name = 'x'", "application_name", "x"),
        // SET LOCAL and SET TRANSACTION last until the transaction ends.
        ("BEGIN; SET LOCAL search_path TO a, b", "search_path", "a, b"),
        ("SET NAMES 'UTF8'", "client_encoding", "UTF8"),
        ("BEGIN; SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "transaction_isolation", "serializable"),
        ("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", "transaction_read_only", "on"),
        ("SET extra_float_digits = 3", "extra_float_digits", "3"),
    ])
    func setInEveryFormIsShown(statement: String, name: String, value: String) {
        var session = Self.session()
        let replies = session.handle(.query(Query(statement)))
        #expect(Self.error(replies) == nil, "\(replies)")
        #expect(session.settings[name] == value)
        #expect(Self.rows(session.handle(.query(Query("show \(name)")))) == [[value]])
    }

    @Test func reportedSettingsAreReportedAndReset() {
        var session = Self.session()
        let set = session.handle(.query(Query("set time zone 'Asia/Tokyo'")))
        #expect(set.contains(.parameterStatus(ParameterStatus(name: "TimeZone", value: "Asia/Tokyo"))))
        #expect(Self.columns(session.handle(.query(Query("show time zone")))) == ["TimeZone:25"])
        let reset = session.handle(.query(Query("RESET ALL")))
        #expect(reset.contains(.parameterStatus(ParameterStatus(name: "TimeZone", value: "UTC"))))
        #expect(reset.contains(.commandComplete(CommandComplete(tag: "RESET"))))
        #expect(
            session.handle(.query(Query("DISCARD ALL"))).first == .commandComplete(CommandComplete(tag: "DISCARD ALL")))
        #expect(Self.rows(session.handle(.query(Query("show transaction isolation level")))) == [["read committed"]])
        #expect(Self.rows(session.handle(.query(Query("show standard_conforming_strings")))) == [["on"]])
        #expect(Self.rows(session.handle(.query(Query("show server_version_num")))) == [["160004"]])
        let all = Self.rows(session.handle(.query(Query("SHOW ALL"))))
        #expect(all.count > 20 && all.contains { $0.first == "TimeZone" })
    }

    @Test func failedTransactionsAnswer25P02UntilRollback() {
        var session = Self.session()
        #expect(
            session.handle(.query(Query("BEGIN ISOLATION LEVEL SERIALIZABLE"))).last == .readyForQuery(.inTransaction))
        #expect(
            session.handle(.query(Query("SAVEPOINT a"))).first == .commandComplete(CommandComplete(tag: "SAVEPOINT")))
        #expect(session.handle(.query(Query("select 1/0"))).last == .readyForQuery(.failed))
        #expect(Self.error(session.handle(.query(Query("select 1"))))?.sqlState == "25P02")
        #expect(session.handle(.query(Query("ROLLBACK TO SAVEPOINT a"))).last == .readyForQuery(.inTransaction))
        #expect(session.handle(.query(Query("select 1/0"))).last == .readyForQuery(.failed))
        #expect(session.handle(.query(Query("abort"))).last == .readyForQuery(.idle))
        #expect(session.handle(.query(Query("start transaction; commit"))).last == .readyForQuery(.idle))
    }

    @Test func catalogQueriesAreEmptyWithTheirColumns() {
        var session = Self.session()
        let replies = session.handle(
            .query(
                Query(
                    """
                    SELECT r.rolname, r.rolsuper, r.rolconnlimit, c.oid, c.relkind, pg_catalog.format_type(a.atttypid, \
                    a.atttypmod) AS type, count(*) FROM pg_catalog.pg_roles r, pg_class c \
                    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid WHERE r.rolname !~ '^pg_' GROUP BY 1
                    """)))
        #expect(
            Self.columns(replies) == [
                "rolname:19", "rolsuper:16", "rolconnlimit:23", "oid:26", "relkind:18", "type:25", "count:20",
            ])
        #expect(Self.rows(replies).isEmpty && replies.contains(.commandComplete(CommandComplete(tag: "SELECT 0"))))
        // A query reading an application table as well is not a catalog query: it echoes.
        #expect(Self.columns(session.handle(.query(Query("select * from users, pg_class")))) == ["echo:25"])
    }

    /// Casts to one-dimensional arrays as PostgreSQL 15 answers them (psql): each element through its type's input
    /// function, `array_out`'s quoting, the column named by the outermost cast.
    @Test(arguments: [
        ("select '{1, 2}'::int4[]", ["int4:1007"], ["{1,2}"]),
        (#"select '{a,"b c",NULL,"",x\"y}'::text[]"#, ["text:1009"], [#"{a,"b c",NULL,"","x\"y"}"#]),
        ("select '{1,2}'::text::int8[]", ["int8:1016"], ["{1,2}"]),
        ("select '{1.50, 2}'::numeric[]::text[]", ["text:1009"], ["{1.50,2}"]),
        ("select '{t,false}'::bool[], true::int", ["bool:1000", "int4:23"], ["{t,f}", "1"]),
    ])
    func arrayCastsAsPostgreSQL(statement: String, columns: [String], row: [String]) {
        var session = Self.session()
        let replies = session.handle(.query(Query(statement)))
        #expect(Self.columns(replies) == columns)
        #expect(Self.rows(replies) == [row])
    }

    @Test func arrayElementsAreReadByTheirType() {
        var session = Self.session()
        #expect(
            Self.error(session.handle(.query(Query("select '{1,x}'::int4[]"))))?.message
                == #"invalid input syntax for type integer: "x""#)
    }

    /// asyncpg's type introspection (its `INTRO_LOOKUP_TYPES_13`, `$1` = `{1007,3904}`), answered with PostgreSQL
    /// 15's rows for the same OIDs (deepest first; the order within a depth is PostgreSQL's choice).
    @Test func asyncpgTypeIntrospectionIsAnsweredForBuiltInTypes() {
        var session = Self.session()
        let lookup = """
            WITH RECURSIVE typeinfo_tree(
                oid, ns, name, kind, basetype, elemtype, elemdelim,
                range_subtype, attrtypoids, attrnames, depth)
            AS (
                SELECT ti.oid, ti.ns, ti.name, ti.kind, ti.basetype, ti.elemtype, ti.elemdelim, ti.range_subtype,
                    ti.attrtypoids, ti.attrnames, 0
                FROM pg_catalog.pg_type AS ti
                WHERE ti.oid = any($1::oid[])
            )
            SELECT DISTINCT *, basetype::regtype::text AS basetype_name, elemtype::regtype::text AS elemtype_name,
                range_subtype::regtype::text AS range_subtype_name
            FROM typeinfo_tree ORDER BY depth DESC
            """
        _ = session.handle(.parse(Parse(name: "", query: lookup)))
        let described = session.handle(.describe(.statement("")))
        #expect(described.first == .parameterDescription(ParameterDescription(parameterTypes: [1028])))
        #expect(
            Self.columns(described) == [
                "oid:26", "ns:19", "name:19", "kind:18", "basetype:26", "elemtype:26", "elemdelim:18",
                "range_subtype:26", "attrtypoids:1028", "attrnames:1009", "depth:23", "basetype_name:25",
                "elemtype_name:25", "range_subtype_name:25",
            ])
        _ = session.handle(.bind(Bind(parameters: [ByteBuffer(string: "{1007,3904,424242}")])))
        let rows = Self.rows(session.handle(.execute(Execute())))
        #expect(
            Set(rows.prefix(1)) == [
                ["23", "pg_catalog", "int4", "b", nil, "0", nil, nil, nil, nil, "1", nil, "-", nil]
            ])
        #expect(
            Set(rows.dropFirst()) == [
                ["1007", "pg_catalog", "_int4", "b", nil, "23", ",", nil, nil, nil, "0", nil, "integer", nil],
                ["3904", "pg_catalog", "int4range", "r", nil, "0", nil, "23", nil, nil, "0", nil, "-", "integer"],
            ])
        #expect(rows.count == 3)
    }

    /// A statement's Describe runs without its parameters; when the answer with them has other columns (here a
    /// value the engine cannot compute, so it echoes), Execute says so rather than send rows the client would read
    /// by the wrong description.
    @Test func executeRefusesAnAnswerThatDoesNotMatchTheDescription() {
        var session = Self.session()
        _ = session.handle(.parse(Parse(name: "s", query: "select $1::int4range")))
        #expect(Self.columns(session.handle(.describe(.statement("s")))) == ["int4range:3904"])
        _ = session.handle(.bind(Bind(statement: "s", parameters: [ByteBuffer(string: "[1,5)")])))
        let error = Self.error(session.handle(.execute(Execute())))
        #expect(error?.sqlState == "0A000")
        #expect(error?[.detail] == "Described: int4range int4range. Answered: echo text.")
        // Without a Describe of the statement, the echo is what the client reads.
        _ = session.handle(.sync)
        _ = session.handle(.bind(Bind(statement: "s", parameters: [ByteBuffer(string: "[1,5)")])))
        #expect(Self.columns(session.handle(.describe(.portal("")))) == ["echo:25"])
    }

    @Test func castParametersAreDescribedWithTheirTypes() {
        var session = Self.session()
        _ = session.handle(.parse(Parse(name: "s", query: "select $1::int, $2, $3::text[] where $4::bigint > 0")))
        #expect(
            session.handle(.describe(.statement("s"))).first
                == .parameterDescription(ParameterDescription(parameterTypes: [23, 25, 1009, 20])))
        // A binary int4 parameter is decoded with the cast's type, and the result goes back in binary.
        let bind = Bind(
            statement: "s", parameterFormats: [.binary, .text, .text, .text],
            parameters: [ByteBuffer(bytes: [0, 0, 0, 5]), ByteBuffer(string: "a"), nil, ByteBuffer(string: "1")],
            resultFormats: [.binary])
        #expect(session.handle(.bind(bind)) == [.bindComplete])
        let executed = session.handle(.execute(Execute()))
        guard case .dataRow(let row) = executed.first else {
            Issue.record("expected a DataRow, got \(executed)")
            return
        }
        #expect(row.columns.first == ByteBuffer(bytes: [0, 0, 0, 5]))
    }

    /// The bytes are PostgreSQL 15's DataRow values for the same values asked for in binary (psycopg's binary
    /// cursor), the text is what PostgreSQL's output function writes (or, for some intervals, what its input reads).
    @Test(
        arguments: [
            ("1.5", UInt32(1700), "000200000000000100011388"),
            ("-12345.678", 1700, "0003000140000003000109291a7c"),
            ("2000-01-02 00:00:01+00", 1184, "000000141de6a240"),
            ("2000-01-02", 1082, "00000001"),
            // PostgreSQL 15's date_send, timestamp_send and timestamptz_send of infinity and -infinity.
            ("infinity", 1082, "7fffffff"), ("-infinity", 1082, "80000000"),
            ("infinity", 1114, "7fffffffffffffff"), ("-infinity", 1114, "8000000000000000"),
            ("infinity", 1184, "7fffffffffffffff"), ("-infinity", 1184, "8000000000000000"),
            ("2024-02-29 12:34:56+01", 1184, "0002b5826ad2d800"),
            ("t", 16, "01"),
            ("\\x0aff", 17, "0aff"),
            ("\\200", 18, "80"),
            ("", 18, "00"),
            ("1 day", 1186, "00000000000000000000000100000000"),
            ("01:02:03", 1186, "00000000dde878c00000000000000000"),
            ("1 year 2 mons 3 days 04:05:06.5", 1186, "000000036c9361a0000000030000000e"),
            ("-1 years -2 mons +3 days -04:05:06.5", 1186, "fffffffc936c9e6000000003fffffff2"),
            ("-1 days +02:00:00", 1186, "00000001ad274800ffffffff00000000"),
            ("00:00:00", 1186, "00000000000000000000000000000000"),
            ("-00:00:01.000001", 1186, "fffffffffff0bdbf0000000000000000"),
            ("100:00:00", 1186, "00000053d1ac10000000000000000000"),
            ("2 hours 3 minutes", 1186, "00000001b7e1dd000000000000000000"),
            ("1 week", 1186, "00000000000000000000000700000000"),
            ("13:45:06.789", 1083, "0000000b86d5a688"),
            ("24:00:00", 1083, "000000141dd76000"),
            ("00:00:00", 1083, "0000000000000000"),
            ("13:45:06.789+02", 1266, "0000000b86d5a688ffffe3e0"),
            ("13:45:06-05:30", 1266, "0000000b86c99c8000004d58"),
            ("13:45:06+05:30:15", 1266, "0000000b86c99c80ffffb299"),
            ("00:00:00+00", 1266, "000000000000000000000000"),
            ("192.168.0.1", 869, "02200004c0a80001"),
            ("192.168.0.0/24", 869, "02180004c0a80000"),
            ("192.168.0.0/24", 650, "02180104c0a80000"),
            ("10.0.0.0/8", 650, "020801040a000000"),
            ("::1", 869, "0380001000000000000000000000000000000001"),
            ("2001:db8::/32", 650, "0320011020010db8000000000000000000000000"),
            ("2001:db8::1/64", 869, "0340001020010db8000000000000000000000001"),
            ("::ffff:1.2.3.4", 869, "0380001000000000000000000000ffff01020304"),
            ("{1,NULL,3}", 1007, "00000001000000010000001700000003000000010000000400000001ffffffff0000000400000003"),
            ("{a,b}", 1009, "000000010000000000000019000000020000000100000001610000000162"),
            ("{}", 1009, "000000000000000000000019"),
            (
                #"{"a b","x\"y",NULL,"NULL",""," z\\w"}"#, 1009,
                "00000001000000010000001900000006000000010000000361206200000003782279ffffffff000000044e554c4c00000000"
                    + "00000004207a5c77"
            ),
            ("{NULL}", 1007, "0000000100000001000000170000000100000001ffffffff"),
            ("{t,f}", 1000, "000000010000000000000010000000020000000100000001010000000100"),
            (
                "{1.5,-2}", 1231,
                "0000000100000000000006a400000002000000010000000c0002000000000001000113880000000a00010000400000000002"
            ),
            ("{2024-01-02}", 1182, "00000001000000000000043a0000000100000001000000040000223f"),
            (
                #"{"1 day",01:00:00}"#, 1187,
                "0000000100000000000004a2000000020000000100000010000000000000000000000001000000000000001000000000d693a400"
                    + "0000000000000000"
            ),
            ("{a}", 1015, "00000001000000000000041300000001000000010000000161"),
            ("{a}", 1014, "00000001000000000000041200000001000000010000000161"),
            ("{1}", 1016, "0000000100000000000000140000000100000001000000080000000000000001"),
            ("{1.5}", 1022, "0000000100000000000002bd0000000100000001000000083ff8000000000000"),
            ("{1.5}", 1021, "0000000100000000000002bc0000000100000001000000043fc00000"),
            ("{1}", 1005, "0000000100000000000000150000000100000001000000020001"),
            ("{1}", 1028, "00000001000000000000001a00000001000000010000000400000001"),
            ("{a,b}", 1003, "000000010000000000000013000000020000000100000001610000000162"),
            (#"{"{\"a\": 1}"}"#, 3807, "000000010000000000000eda000000010000000100000009017b2261223a20317d"),
            (#"{"{\"a\": 1}"}"#, 199, "0000000100000000000000720000000100000001000000087b2261223a20317d"),
            (#"{"2024-01-02 03:04:05+00"}"#, 1185, "0000000100000000000004a00000000100000001000000080002b0ec8515f340"),
            (#"{"\\x0102"}"#, 1001, "0000000100000000000000110000000100000001000000020102"),
            (
                "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", 2951,
                "000000010000000000000b86000000010000000100000010a0eebc999c0b4ef8bb6d6bb9bd380a11"
            ),
            ("{192.168.0.1/24}", 1041, "00000001000000000000036500000001000000010000000802180004c0a80001"),
            ("{13:45:06}", 1183, "00000001000000000000043b0000000100000001000000080000000b86c99c80"),
        ] as [(String, UInt32, String)])
    func binaryResultsUsePostgreSQLsFormats(text: String, type: UInt32, hex: String) {
        #expect(BinaryValueEncoder.encode(text, type: type).map { HexDump.hex($0.readableBytesView) } == hex)
    }

    /// Values the encoder does not read, and types it has no binary form for.
    @Test(
        arguments: [
            ("1 day ago", UInt32(1186)), ("P1D", 1186), ("25:00:00", 1083), ("13:00:00", 1266), ("10.0.0.256", 869),
            ("10.0.0.0/33", 650), ("{{1,2},{3,4}}", 1007), ("[0:1]={1,2}", 1007), ("{1,x}", 1007), ("{\"a}", 1009),
            ("{a,}", 1009), ("(1,2)", 600), ("{(1,2)}", 1017),
        ] as [(String, UInt32)])
    func valuesWithoutABinaryFormHere(text: String, type: UInt32) {
        #expect(BinaryValueEncoder.encode(text, type: type) == nil)
    }

    @Test func fingerprintsIgnoreLiteralsAndWhiteSpace() {
        let first = SQLParser.fingerprint("select id, name from users where id = 1")
        #expect(first != nil)
        #expect(first == SQLParser.fingerprint("SELECT id,   name FROM users WHERE id = $1"))
        #expect(first != SQLParser.fingerprint("select id from users where id = 1"))
        #expect(SQLParser.fingerprint("selec") == nil)
    }

    /// libpg_query keeps its state in thread-local variables: parsing on many threads at once gives the same
    /// results as on one.
    @Test func theParserIsSafeOnManyThreads() async {
        let statements = (0..<400).map { "select \($0) + 1 as n\($0 % 7) from pg_catalog.pg_type where oid = \($0)" }
        await withTaskGroup(of: Bool.self) { group in
            for statement in statements {
                group.addTask {
                    let tree = try? SQLParser.parseTree(statement)
                    let syntax = try? SQLParser.parseTree(statement + " selec")
                    return tree != nil && syntax == nil
                }
            }
            for await parsed in group { #expect(parsed) }
        }
    }
}
