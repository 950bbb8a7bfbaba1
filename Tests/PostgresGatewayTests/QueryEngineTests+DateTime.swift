import NIOCore
import PostgresWire
import Testing

@testable import PostgresGateway

/// Dates and times in the session's TimeZone and DateStyle.
extension QueryEngineTests {
    /// The values of the one DataRow of `statement` after `sets`, as `a|b|c`.
    static func values(after sets: [String], of statement: String) -> String {
        var session = Self.session()
        for set in sets {
            let replies = session.handle(.query(Query(set)))
            if let error = Self.error(replies) { return "\(set): \(error)" }
        }
        let replies = session.handle(.query(Query(statement)))
        guard Self.columns(replies).first != "echo:25" else { return "echo" }
        return Self.rows(replies).map { $0.map { $0 ?? "NULL" }.joined(separator: "|") }.joined(separator: "\n")
    }

    /// A timestamptz is read (without an offset) and printed in the session's TimeZone as PostgreSQL reads and
    /// prints it, from the system's tz database: offsets with minutes and seconds (local mean time before a zone's
    /// first transition), local times skipped or repeated at a change of daylight time, the zone's POSIX rule after
    /// its last transition, zone names in any letter case, POSIX specifications and numeric offsets. The expected
    /// values are psql's on PostgreSQL 15 with the same SET.
    @Test(
        arguments: [
            (
                "'Europe/Paris'",
                "select '2024-02-29 12:34:56'::timestamptz, '2024-07-01 12:00:00.5+02'::timestamptz, "
                    + "'1850-01-01'::timestamptz, '2024-03-31 02:30'::timestamptz, '2024-10-27 02:30'::timestamptz",
                "2024-02-29 12:34:56+01|2024-07-01 12:00:00.5+02|1850-01-01 00:00:00+00:09:21|2024-03-31 03:30:00+02|"
                    + "2024-10-27 02:30:00+01"
            ),
            (
                "'Europe/Paris'",
                "select '2024-07-01 12:00+00'::timestamptz::timestamp, '2024-07-01'::date::timestamptz, "
                    + "'2024-07-01 23:30+00'::timestamptz::date, '2024-07-01 12:00+00'::timestamptz::text, "
                    + "'2024-07-01 12:00'::timestamp::timestamptz",
                "2024-07-01 14:00:00|2024-07-01 00:00:00+02|2024-07-02|2024-07-01 14:00:00+02|2024-07-01 12:00:00+02"
            ),
            (
                "'Asia/Kolkata'",
                "select '2024-02-29 12:34:56+00'::timestamptz, '1900-01-01'::timestamptz, "
                    + "'1942-09-01 12:00+00'::timestamptz",
                "2024-02-29 18:04:56+05:30|1900-01-01 00:00:00+05:21:10|1942-09-01 18:30:00+06:30"
            ),
            (
                "'Asia/Kathmandu'", "select '2024-02-29 12:34:56+00'::timestamptz, '1985-06-01 00:00+00'::timestamptz",
                "2024-02-29 18:19:56+05:45|1985-06-01 05:30:00+05:30"
            ),
            (
                "'America/New_York'",
                "select '2024-03-10 02:30'::timestamptz, '2024-11-03 01:30'::timestamptz, '1883-01-01'::timestamptz, "
                    + "'2100-07-01'::timestamptz, '2024-03-10 06:59:59+00'::timestamptz, "
                    + "'2024-03-10 07:00:00+00'::timestamptz, '2024-11-03 05:59:59+00'::timestamptz, "
                    + "'2024-11-03 06:00:00+00'::timestamptz",
                "2024-03-10 03:30:00-04|2024-11-03 01:30:00-05|1883-01-01 00:00:00-04:56:02|2100-07-01 00:00:00-04|"
                    + "2024-03-10 01:59:59-05|2024-03-10 03:00:00-04|2024-11-03 01:59:59-04|2024-11-03 01:00:00-05"
            ),
            (
                "'Australia/Sydney'",
                "select '2024-01-15 12:00+00'::timestamptz, '2024-07-15 12:00+00'::timestamptz, "
                    + "'2024-04-07 02:30'::timestamptz, '2024-10-06 02:30'::timestamptz, "
                    + "'2200-01-01 00:00+00'::timestamptz, '2200-07-01 00:00+00'::timestamptz",
                "2024-01-15 23:00:00+11|2024-07-15 22:00:00+10|2024-04-07 02:30:00+10|2024-10-06 03:30:00+11|"
                    + "2200-01-01 11:00:00+11|2200-07-01 10:00:00+10"
            ),
            (
                "'Europe/London'",
                "select '1970-06-01 12:00+00'::timestamptz, '1970-01-01 12:00+00'::timestamptz, "
                    + "'2024-03-31 01:30'::timestamptz, '2024-10-27 01:30'::timestamptz",
                "1970-06-01 13:00:00+01|1970-01-01 13:00:00+01|2024-03-31 02:30:00+01|2024-10-27 01:30:00+00"
            ),
            (
                "'America/Sao_Paulo'", "select '2030-01-01 12:00+00'::timestamptz, '2018-01-01 12:00+00'::timestamptz",
                "2030-01-01 09:00:00-03|2018-01-01 10:00:00-02"
            ),
            (
                "'Europe/Dublin'",
                "select '2024-01-15 12:00+00'::timestamptz, '2024-07-15 12:00+00'::timestamptz, "
                    + "'2124-07-15 12:00+00'::timestamptz",
                "2024-01-15 12:00:00+00|2024-07-15 13:00:00+01|2124-07-15 13:00:00+01"
            ),
            (
                "'Pacific/Chatham'", "select '2024-01-15 12:00+00'::timestamptz, '2024-07-15 12:00+00'::timestamptz",
                "2024-01-16 01:45:00+13:45|2024-07-16 00:45:00+12:45"
            ),
            (
                "'Pacific/Apia'",
                "select '2011-12-30 12:00'::timestamptz, '2011-12-29 12:00'::timestamptz, "
                    + "'2011-12-31 12:00'::timestamptz",
                "2011-12-31 12:00:00+14|2011-12-29 12:00:00-10|2011-12-31 12:00:00+14"
            ),
            (
                "'Europe/Moscow'", "select '2014-10-26 01:30'::timestamptz, '2014-10-26 00:30'::timestamptz",
                "2014-10-26 01:30:00+03|2014-10-26 00:30:00+04"
            ),
            (
                "'Africa/Casablanca'",
                "select '2024-03-20 12:00+00'::timestamptz, '2024-06-01 12:00+00'::timestamptz, "
                    + "'2090-06-01 12:00+00'::timestamptz",
                "2024-03-20 12:00:00+00|2024-06-01 13:00:00+01|2090-06-01 13:00:00+01"
            ),
            (
                "'America/St_Johns'", "select '2024-07-01 12:00+00'::timestamptz, '2024-01-01 12:00+00'::timestamptz",
                "2024-07-01 09:30:00-02:30|2024-01-01 08:30:00-03:30"
            ),
            (
                "'Antarctica/Troll'", "select '2024-07-01 12:00+00'::timestamptz, '2024-01-01 12:00+00'::timestamptz",
                "2024-07-01 14:00:00+02|2024-01-01 12:00:00+00"
            ),
            (
                "'Asia/Tokyo'",
                "select '1900-01-01 00:00+00'::timestamptz, '1000-01-01 00:00+00'::timestamptz, "
                    + "'9999-12-31 20:00+00'::timestamptz",
                "1900-01-01 09:00:00+09|1000-01-01 09:18:59+09:18:59|10000-01-01 05:00:00+09"
            ),
            ("'europe/paris'", "select '2024-07-01 12:00+00'::timestamptz", "2024-07-01 14:00:00+02"),
            (
                "'<+02>-02'", "select '2024-07-01 12:00+00'::timestamptz, '2024-07-01 12:00'::timestamptz",
                "2024-07-01 14:00:00+02|2024-07-01 12:00:00+02"
            ),
            ("'-05:30'", "select '2024-07-01 12:00+00'::timestamptz", "2024-07-01 17:30:00+05:30"),
            ("'UTC+3'", "select '2024-07-01 12:00+00'::timestamptz", "2024-07-01 09:00:00-03"),
            (
                "'EST5EDT'", "select '2024-07-01 12:00+00'::timestamptz, '2024-01-01 12:00+00'::timestamptz",
                "2024-07-01 08:00:00-04|2024-01-01 07:00:00-05"
            ),
            (
                "'<-03>3<-02>,M3.5.0/-2,M10.5.0/-1'",
                "select '2024-07-01 12:00+00'::timestamptz, '2024-04-01 12:00+00'::timestamptz",
                "2024-07-01 10:00:00-02|2024-04-01 10:00:00-02"
            ),
            (
                "'XXX-3YYY,J60/2,J300/2'",
                "select '2024-07-01 12:00+00'::timestamptz, '2024-02-01 12:00+00'::timestamptz, "
                    + "'2024-03-01 12:00+00'::timestamptz",
                "2024-07-01 16:00:00+04|2024-02-01 15:00:00+03|2024-03-01 16:00:00+04"
            ),
            ("2", "select '2024-07-01 12:00+00'::timestamptz", "2024-07-01 14:00:00+02"),
            ("-3.5", "select '2024-07-01 12:00+00'::timestamptz", "2024-07-01 08:30:00-03:30"),
            ("INTERVAL '+02:00' HOUR TO MINUTE", "select '2024-07-01 12:00+00'::timestamptz", "2024-07-01 14:00:00+02"),
        ] as [(String, String, String)])
    func timestamptzValuesAreInTheSessionsTimeZone(zone: String, statement: String, values: String) {
        #expect(Self.values(after: ["set time zone \(zone)"], of: statement) == values)
    }

    /// The clock's values in the session's zone, with PostgreSQL's types: now() and current_timestamp a timestamptz
    /// at the zone's offset, current_time a timetz, localtime a time, localtimestamp a timestamp, current_date a
    /// date (the offsets Paris has: +01 or +02), all of one time, as PostgreSQL's are.
    @Test func theClockIsReadInTheSessionsTimeZone() throws {
        var session = Self.session()
        _ = session.handle(.query(Query("set timezone = 'Europe/Paris'")))
        let replies = session.handle(
            .query(
                Query(
                    "select now(), current_timestamp, current_time, localtime, localtimestamp, current_date, "
                        + "now() = current_timestamp")))
        #expect(
            Self.columns(replies).map { $0.split(separator: ":").last } == [
                "1184", "1184", "1266", "1083", "1114", "1082", "16",
            ])
        let row = try #require(Self.rows(replies).first)
        let patterns = [
            #"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d*[1-9])?\+0[12]"#,
            #"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d*[1-9])?\+0[12]"#,
            #"\d\d:\d\d:\d\d(\.\d*[1-9])?\+0[12]"#, #"\d\d:\d\d:\d\d(\.\d*[1-9])?"#,
            #"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d*[1-9])?"#, #"\d{4}-\d\d-\d\d"#,
        ]
        for (value, pattern) in zip(row, patterns) {
            let regex = try Regex(pattern)
            #expect(value.map { (try? regex.wholeMatch(in: $0)) != nil } == true, "\(row)")
        }
        // One time for the statement, as in PostgreSQL: the local time is now()'s, at the offset now() shows.
        let now = try #require(row[0])
        #expect(row[1] == now && row[6] == "t", "\(row)")
        #expect(row[4].map { now.hasPrefix($0) } == true, "\(row)")
    }

    /// Dates and timestamps in each DateStyle, a timestamptz with its zone's abbreviation outside ISO (as psql
    /// shows them on PostgreSQL 15 after the same SETs), in arrays and casts to text too.
    @Test(
        arguments: [
            (
                "SQL, DMY", "Europe/Paris",
                "09/02/2024|09/02/2024 01:02:03.5|09/02/2024 01:02:03 CET|09/07/1850 01:02:03 LMT|-infinity|"
                    + "{09/02/2024}|09/02/2024"
            ),
            (
                "SQL, DMY", "Asia/Kathmandu",
                "09/02/2024|09/02/2024 01:02:03.5|09/02/2024 01:02:03 +0545|09/07/1850 01:02:03 LMT|-infinity|"
                    + "{09/02/2024}|09/02/2024"
            ),
            (
                "SQL, DMY", "UTC",
                "09/02/2024|09/02/2024 01:02:03.5|09/02/2024 01:02:03 UTC|09/07/1850 01:02:03 UTC|-infinity|"
                    + "{09/02/2024}|09/02/2024"
            ),
            (
                "SQL, DMY", "-05:30",
                "09/02/2024|09/02/2024 01:02:03.5|09/02/2024 01:02:03 |09/07/1850 01:02:03 |-infinity|{09/02/2024}|"
                    + "09/02/2024"
            ),
            (
                "SQL, MDY", "Europe/Paris",
                "02/09/2024|02/09/2024 01:02:03.5|02/09/2024 01:02:03 CET|07/09/1850 01:02:03 LMT|-infinity|"
                    + "{02/09/2024}|02/09/2024"
            ),
            (
                "German", "Europe/Paris",
                "09.02.2024|09.02.2024 01:02:03.5|09.02.2024 01:02:03 CET|09.07.1850 01:02:03 LMT|-infinity|"
                    + "{09.02.2024}|09.02.2024"
            ),
            (
                "German", "UTC",
                "09.02.2024|09.02.2024 01:02:03.5|09.02.2024 01:02:03 UTC|09.07.1850 01:02:03 UTC|-infinity|"
                    + "{09.02.2024}|09.02.2024"
            ),
            (
                "Postgres, MDY", "Europe/Paris",
                "02-09-2024|Fri Feb 09 01:02:03.5 2024|Fri Feb 09 01:02:03 2024 CET|Tue Jul 09 01:02:03 1850 LMT|"
                    + "-infinity|{02-09-2024}|02-09-2024"
            ),
            (
                "Postgres, DMY", "Asia/Kathmandu",
                "09-02-2024|Fri 09 Feb 01:02:03.5 2024|Fri 09 Feb 01:02:03 2024 +0545|Tue 09 Jul 01:02:03 1850 LMT|"
                    + "-infinity|{09-02-2024}|09-02-2024"
            ),
            (
                "ISO, DMY", "Europe/Paris",
                "2024-02-09|2024-02-09 01:02:03.5|2024-02-09 01:02:03+01|1850-07-09 01:02:03+00:09:21|-infinity|"
                    + "{2024-02-09}|2024-02-09"
            ),
        ] as [(String, String, String)])
    func datesArePrintedInTheSessionsDateStyle(dateStyle: String, zone: String, values: String) {
        let statement =
            "select '2024-02-09'::date, '2024-02-09 01:02:03.5'::timestamp, '2024-02-09 01:02:03'::timestamptz, "
            + "'1850-07-09 01:02:03'::timestamptz, '-infinity'::timestamptz, '{2024-02-09}'::date[], "
            + "'2024-02-09'::date::text"
        let sets = ["set datestyle = '\(dateStyle)'", "set timezone = '\(zone)'"]
        #expect(Self.values(after: sets, of: statement) == values)
    }

    /// A DateStyle of an order alone keeps PostgreSQL's default style, ISO (`SET datestyle = DMY` on PostgreSQL 15
    /// prints `2024-02-09`).
    @Test func anOrderAloneKeepsTheISOStyle() {
        #expect(Self.values(after: ["set datestyle = 'DMY'"], of: "select '2024-02-09'::date") == "2024-02-09")
    }

    /// Dates and times asked for in binary go out as PostgreSQL's send functions write them whatever the
    /// DateStyle (the bytes are PostgreSQL 15's timestamptz_send, date_send and timestamp_send), a repeated local
    /// time told apart by its zone abbreviation.
    @Test func binaryDatesAndTimesInAnotherDateStyle() {
        let statement =
            "select '2024-02-29 12:34:56+01'::timestamptz, '2024-02-09'::date, '2024-10-27 00:30+00'::timestamptz, "
            + "'2024-10-27 01:30+00'::timestamptz, '2024-02-09 01:02:03.5'::timestamp"
        for dateStyle in ["German", "SQL, DMY", "SQL, MDY", "Postgres, DMY", "Postgres, MDY"] {
            var session = Self.session()
            _ = session.handle(.query(Query("set datestyle = '\(dateStyle)'")))
            _ = session.handle(.query(Query("set timezone = 'Europe/Paris'")))
            _ = session.handle(.parse(Parse(query: statement)))
            _ = session.handle(.bind(Bind(resultFormats: [.binary])))
            let replies = session.handle(.execute(Execute()))
            let row = replies.compactMap { if case .dataRow(let row) = $0 { row } else { nil } }.first
            #expect(
                row?.columns.map { $0.map { HexDump.hex($0.readableBytesView) } ?? "NULL" } == [
                    "0002b5826ad2d800", "00002265", "0002c86938979200", "0002c86a0f2b3600", "0002b3e73ea8f9e0",
                ], "\(dateStyle): \(replies)")
        }
    }
}
