import Foundation
import NIOCore
import PostgresCapture
import PostgresWire
import Testing

/// Synthetic captures written and read through libpcap: TCP reassembly, link layers, IP versions, several
/// connections, mid-stream starts, gaps and TLS.
@Suite("CaptureDecoder decodes the PostgreSQL connections of a capture")
struct CaptureDecoderTests {
    typealias Scenario = CaptureScenario

    /// A whole session: handshake, startup, one query, close.
    static func session(_ connection: inout SyntheticConnection) -> [TCPSegment] {
        connection.handshake() + [
            connection.send(Scenario.startup), connection.send(Scenario.ready),
            connection.send(Scenario.query("select 1")), connection.send(Scenario.result("SELECT 1")),
        ] + connection.close()
    }

    static let sessionLines = [
        "#1 opened", "#1 F StartupMessage", "#1 B AuthenticationOk", "#1 B ReadyForQuery", "#1 F Query",
        "#1 B CommandComplete", "#1 B ReadyForQuery", "#1 closed FIN 0",
    ]

    @Test(
        "every link layer and IP version",
        arguments: [
            (SyntheticFrameBuilder.Framing.ethernet(vlan: nil), false), (.ethernet(vlan: 42), false),
            (.ethernet(vlan: 7), true), (.linuxSLL2, false), (.linuxSLL2, true), (.null, false), (.null, true),
            (.raw, false), (.raw, true), (.ppp, false), (.ppp, true),
        ])
    func linkLayers(framing: SyntheticFrameBuilder.Framing, isIPv6: Bool) throws {
        var connection = isIPv6 ? SyntheticConnection.ipv6() : .ipv4()
        let events = try Scenario.events(try Scenario.write(Self.session(&connection), framing: framing))
        #expect(Scenario.lines(events) == Self.sessionLines)
        #expect(events.first?.connection.client == connection.client)
        #expect(events.first?.connection.server == connection.server)
    }

    @Test("segments out of order, retransmitted and overlapping are delivered once, in order")
    func reordering() throws {
        var connection = SyntheticConnection.ipv4()
        let opening = connection.handshake() + [connection.send(Scenario.startup), connection.send(Scenario.ready)]
        let query = connection.send(Scenario.query("select 'a long enough statement'"))
        let queryBytes = Array(query.payload.readableBytesView)
        var first = query
        first.payload = ByteBuffer(bytes: queryBytes[..<10])
        var overlapping = connection.segment(.frontend, flags: 0x18, payload: Array(queryBytes[6...]))
        overlapping.sequenceNumber = query.sequenceNumber &+ 6
        let reply = connection.send(Scenario.result("SELECT 1"))
        // The second part first, then the first part, then both again.
        let segments = opening + [overlapping, first, first, overlapping, reply] + connection.close()
        let lines = try Scenario.decodedLines(segments)
        #expect(lines == Self.sessionLines)
    }

    @Test("a lost segment is a gap; decoding resumes at the next message boundary")
    func gap() throws {
        var connection = SyntheticConnection.ipv4()
        var segments = connection.handshake() + [connection.send(Scenario.startup), connection.send(Scenario.ready)]
        _ = connection.send(Scenario.query("select 'lost'"))
        segments.append(connection.send(Scenario.query("select 'kept'")))
        segments.append(connection.send(Scenario.result("SELECT 1")))
        segments += connection.close()
        let lines = try Scenario.decodedLines(segments)
        #expect(
            lines == [
                "#1 opened", "#1 F StartupMessage", "#1 B AuthenticationOk", "#1 B ReadyForQuery", "#1 gap frontend 19",
                "#1 resumed frontend 0", "#1 F Query", "#1 B CommandComplete", "#1 B ReadyForQuery", "#1 closed FIN 0",
            ])
    }

    @Test("DataRow and CopyData framed in place come in the order decoding gives, across segments and a gap")
    func framedBulkMessages() throws {
        var connection = SyntheticConnection.ipv4()
        let rows: [WireMessage] = (0..<50).map { .backend(.dataRow(DataRow(columns: [ByteBuffer(string: "\($0)")]))) }
        let copy: [WireMessage] = (0..<50).map { .backend(.copyData(CopyData(data: ByteBuffer(string: "\($0)\n")))) }
        var result = ByteBuffer()
        for message in rows + Scenario.result("SELECT 50") { message.encode(into: &result) }
        let resultBytes = Array(result.readableBytesView)
        var segments = connection.handshake() + [connection.send(Scenario.startup), connection.send(Scenario.ready)]
        segments.append(connection.send(Scenario.query("select n")))
        // The rows cut mid-message across segments.
        for start in stride(from: 0, to: resultBytes.count, by: 37) {
            segments.append(connection.send(.backend, Array(resultBytes[start..<min(start + 37, resultBytes.count)])))
        }
        segments.append(connection.send(Scenario.query("copy t to stdout")))
        segments.append(connection.send([.backend(.copyOutResponse(CopyResponse(format: 0, columnFormats: [])))]))
        segments.append(connection.send(Array(copy[..<20])))
        _ = connection.send(Array(copy[20..<30]))
        segments.append(connection.send(Array(copy[30...]) + [.backend(.copyDone)] + Scenario.result("COPY 50")))
        segments += connection.close()
        let path = try Scenario.write(segments)
        defer { unlink(path) }
        let decoded = Scenario.lines(try Scenario.events(path))
        #expect(try Scenario.framedLines(path) == decoded)
        #expect(decoded.count { $0 == "#1 B DataRow" } == 50)
        #expect(decoded.contains("#1 gap backend 80"))
    }

    @Test("a capture that starts mid-connection is decoded from the first message boundary")
    func midStream() throws {
        var connection = SyntheticConnection.ipv4()
        _ = connection.handshake()
        _ = connection.send(Scenario.startup)
        var bytes = ByteBuffer()
        for message in Scenario.query("select 2") { message.encode(into: &bytes) }
        // The tail of a message, then whole ones.
        let segments = [
            connection.send(.backend, [0x00, 0x42, 0x42]), connection.send(.frontend, Array(bytes.readableBytesView)),
            connection.send(Scenario.result("SELECT 1")),
        ]
        let lines = try Scenario.decodedLines(segments)
        #expect(
            lines == [
                "#1 opened mid-stream", "#1 resumed frontend 0", "#1 F Query", "#1 resumed backend 3",
                "#1 B CommandComplete", "#1 B ReadyForQuery", "#1 closed end of capture 0",
            ])
    }

    @Test("connections interleaved come out in packet order; other ports count when they start like PostgreSQL")
    func twoConnections() throws {
        var first = SyntheticConnection.ipv4(clientPort: 40_001)
        var second = SyntheticConnection.ipv4(clientPort: 40_002, serverPort: 6543)
        var other = SyntheticConnection.ipv4(clientPort: 40_003, serverPort: 80)
        var segments = first.handshake() + second.handshake() + other.handshake()
        segments += [
            first.send(Scenario.startup), second.send(Scenario.startup), other.send(.frontend, Array("GET /".utf8)),
            second.send(Scenario.ready), first.send(Scenario.ready),
        ]
        segments += first.close() + second.close()
        let lines = try Scenario.decodedLines(segments)
        #expect(
            lines == [
                "#1 opened", "#1 F StartupMessage", "#2 opened", "#2 F StartupMessage", "#2 B AuthenticationOk",
                "#2 B ReadyForQuery", "#1 B AuthenticationOk", "#1 B ReadyForQuery", "#1 closed FIN 0",
                "#2 closed FIN 0",
            ])
    }

    @Test("TLS: the negotiation is shown, the rest counted as encrypted")
    func tls() throws {
        var connection = SyntheticConnection.ipv4()
        var segments = connection.handshake()
        segments += [
            connection.send([.frontend(.sslRequest)]), connection.send([.backend(.sslResponse(accepted: true))]),
            connection.send(.frontend, [0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]),
            connection.send(.backend, [0x16, 0x03, 0x03, 0x00, 0x02, 1, 2]),
        ]
        segments += connection.close()
        let lines = try Scenario.decodedLines(segments)
        #expect(
            lines == [
                "#1 opened", "#1 F SSLRequest", "#1 B SSLResponse", "#1 encrypted", "#1 closed FIN 17",
            ])
    }

    @Test("a reset ends the connection")
    func reset() throws {
        var connection = SyntheticConnection.ipv4()
        let segments =
            connection.handshake() + [
                connection.send(Scenario.startup), connection.segment(.backend, flags: 0x14, payload: []),
            ]
        let lines = try Scenario.decodedLines(segments)
        #expect(lines == ["#1 opened", "#1 F StartupMessage", "#1 closed RST 0"])
    }
}
