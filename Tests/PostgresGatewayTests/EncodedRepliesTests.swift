import NIOCore
import PostgresWire
import Testing

@testable import PostgresGateway

/// The channel handler's path into the query session: replies encoded as they are produced, with a result set
/// asked for again copied from its kept bytes, must be the bytes of the messages the public API returns.
struct EncodedRepliesTests {
    static func session() -> QuerySession {
        QuerySession(responder: ServerEmulationResponder(serverVersion: "16.4"), settings: ["user": "alice"])
    }

    /// A Parse, then Bind, Describe, Execute and Sync of statement `name`, with `formats` for the results.
    static func exchange(_ name: String, formats: [FormatCode] = []) -> [FrontendMessage] {
        [
            .bind(Bind(statement: name, resultFormats: formats)), .describe(.portal("")), .execute(Execute()), .sync,
        ]
    }

    @Test func repeatedResultsEncodeAsTheirMessages() {
        let messages: [FrontendMessage] =
            [
                .query(Query("select 1")), .query(Query("select 1")), .query(Query("select 1; select 2; select 1")),
                .query(Query("select 'a' as x, null, true, 1.5::float8")), .query(Query("select 1/0")),
                .query(Query("select 1")), .query(Query("show all")), .query(Query("select current_user")),
                .query(Query("set application_name = x")), .query(Query("select current_setting('application_name')")),
                .parse(Parse(name: "one", query: "select 1")), .parse(Parse(name: "many", query: "show all")),
            ] + Self.exchange("one") + Self.exchange("one") + Self.exchange("one", formats: [.binary])
            + Self.exchange("one", formats: [.binary]) + Self.exchange("one") + [
                .bind(Bind(portal: "p", statement: "many")),
                .execute(Execute(portal: "p", maxRows: 2)), .execute(Execute(portal: "p", maxRows: 0)),
                .execute(Execute(portal: "p", maxRows: 0)), .sync,
            ] + Self.exchange("many") + Self.exchange("many") + [.query(Query("select 1"))]
        var listed = Self.session()
        var encoded = Self.session()
        var replies = EncodedReplies()
        var expected = ByteBuffer()
        for message in messages {
            for reply in listed.handle(message) { reply.encode(into: &expected) }
            encoded.handle(message, into: &replies)
            #expect(replies.buffer == expected, "after \(message.typeName)")
        }
    }
}
