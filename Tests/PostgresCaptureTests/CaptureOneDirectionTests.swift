import Foundation
import NIOCore
import PostgresCapture
import PostgresWire
import Testing

/// Captures that hold one direction of their connections (`tcpdump "dst port 5432"`, or `"src port 5432"`): each
/// message at its own packet's time, in packet order, the connection closed by the FIN of the side captured, and the
/// answers of the side missing (to SSLRequest) inferred from what follows.
@Suite("CaptureDecoder decodes captures of one direction as their packets come")
struct CaptureOneDirectionTests {
    typealias Scenario = CaptureScenario

    /// A psql-like session asking for SSL, refused (`N`), with two queries and a Terminate; both directions.
    static func session(_ connection: inout SyntheticConnection) -> [TCPSegment] {
        connection.handshake() + [
            connection.send([.frontend(.sslRequest)]), connection.send([.backend(.sslResponse(accepted: false))]),
            connection.send(Scenario.startup), connection.send(Scenario.ready),
            connection.send(Scenario.query("select 1")), connection.send(Scenario.result("SELECT 1")),
            connection.segment(.frontend, flags: 0x10, payload: []),
            connection.send(Scenario.query("select pg_sleep(0.3)")), connection.send(Scenario.result("SELECT 1")),
            connection.send([.frontend(.terminate)]),
        ] + connection.close()
    }

    /// The capture of `segments` decoded: each event as `milliseconds line`, its time in milliseconds from the first
    /// packet's (the packets are one millisecond apart).
    static func timedLines(_ segments: [TCPSegment]) throws -> [String] {
        let path = try Scenario.write(segments)
        defer { unlink(path) }
        let events = try Scenario.events(path)
        return zip(events, Scenario.lines(events)).map { event, line in
            "\(event.time.nanoseconds / 1_000_000) \(line)"
        }
    }

    @Test("the client's side only: the answer to SSLRequest is inferred, every message at its packet's time")
    func frontendOnly() throws {
        var first = SyntheticConnection.ipv4(clientPort: 40_001)
        var second = SyntheticConnection.ipv4(clientPort: 40_002)
        let segments = (Self.session(&first) + Self.session(&second)).filter { $0.destination.port == 5432 }
        #expect(
            try Self.timedLines(segments) == [
                "0 #1 opened", "2 #1 F SSLRequest", "3 #1 F StartupMessage", "4 #1 F Query", "6 #1 F Query",
                "7 #1 F Terminate", "8 #1 closed FIN 0",
                "9 #2 opened", "11 #2 F SSLRequest", "12 #2 F StartupMessage", "13 #2 F Query", "15 #2 F Query",
                "16 #2 F Terminate", "17 #2 closed FIN 0",
            ])
    }

    @Test("the server's side only: its one-byte answer and every message at its packet's time")
    func backendOnly() throws {
        var first = SyntheticConnection.ipv4(clientPort: 40_001)
        var second = SyntheticConnection.ipv4(clientPort: 40_002)
        let segments = (Self.session(&first) + Self.session(&second)).filter { $0.source.port == 5432 }
        #expect(
            try Self.timedLines(segments) == [
                "0 #1 opened", "1 #1 B SSLResponse", "2 #1 B AuthenticationOk", "2 #1 B ReadyForQuery",
                "3 #1 B CommandComplete", "3 #1 B ReadyForQuery", "4 #1 B CommandComplete", "4 #1 B ReadyForQuery",
                "5 #1 closed FIN 0",
                "6 #2 opened", "7 #2 B SSLResponse", "8 #2 B AuthenticationOk", "8 #2 B ReadyForQuery",
                "9 #2 B CommandComplete", "9 #2 B ReadyForQuery", "10 #2 B CommandComplete", "10 #2 B ReadyForQuery",
                "11 #2 closed FIN 0",
            ])
    }

    @Test("the client's side of a TLS connection: a TLS record after SSLRequest means the server said S")
    func frontendOnlyEncrypted() throws {
        var connection = SyntheticConnection.ipv4()
        var segments = connection.handshake()
        segments += [
            connection.send([.frontend(.sslRequest)]), connection.send([.backend(.sslResponse(accepted: true))]),
            connection.send(.frontend, [0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]),
            connection.send(.backend, [0x16, 0x03, 0x03, 0x00, 0x02, 1, 2]),
            connection.send(.frontend, [0x17, 0x03, 0x03, 0x00, 0x01, 9]),
        ]
        segments += connection.close()
        #expect(
            try Self.timedLines(segments.filter { $0.destination.port == 5432 }) == [
                "0 #1 opened", "2 #1 F SSLRequest", "3 #1 encrypted", "5 #1 closed FIN 16",
            ])
    }

    @Test("both directions: the same session decodes as before, closed by the second FIN")
    func bothDirections() throws {
        var connection = SyntheticConnection.ipv4()
        let lines = try Self.timedLines(Self.session(&connection))
        #expect(lines.first == "0 #1 opened")
        #expect(lines.contains("3 #1 F SSLRequest") && lines.contains("4 #1 B SSLResponse"))
        #expect(lines.last == "14 #1 closed FIN 0")
    }
}
