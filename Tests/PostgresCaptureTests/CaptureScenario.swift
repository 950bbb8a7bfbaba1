import Foundation
import NIOCore
import PostgresCapture
import PostgresWire

/// Writes segments to a pcap file through libpcap, reads it back and decodes it: the path every capture takes.
enum CaptureScenario {
    /// The startup exchange and one query of a psql-like session.
    static let startup: [WireMessage] = [
        .frontend(.startup(StartupMessage(parameters: [.init("user", "alice"), .init("database", "app")])))
    ]
    static let ready: [WireMessage] = [.backend(.authentication(.ok)), .backend(.readyForQuery(.idle))]
    static func query(_ text: String) -> [WireMessage] { [.frontend(.query(Query(text)))] }
    static func result(_ tag: String) -> [WireMessage] {
        [.backend(.commandComplete(CommandComplete(tag: tag))), .backend(.readyForQuery(.idle))]
    }

    /// A psql-like session sending three queries (`select 'first'`, `'second'`, `'third'`), one segment per message
    /// group: handshake (segments 0–2), startup (3), login's answer (4), the first query (5), its result (6), the
    /// second query (7), its result (8), the third query (9), its result (10), the close. The segment at `lost` (6,
    /// the first result, or 7, the second query) is missing from the capture (``write(_:framing:)`` then gives the
    /// later ones the times of one segment earlier), and with `truncatedTo`, the first result is cut to that many
    /// bytes (a snapshot length).
    static func threeQueries(
        clientPort: UInt16 = 50_000, lost: Int? = nil, truncatedTo: Int? = nil
    ) -> [TCPSegment] {
        var connection = SyntheticConnection.ipv4(clientPort: clientPort)
        var segments = connection.handshake() + [connection.send(startup), connection.send(ready)]
        for text in ["first", "second", "third"] {
            segments += [connection.send(query("select '\(text)'")), connection.send(result("SELECT 1"))]
        }
        segments += connection.close()
        if let truncatedTo { segments[6].payload = segments[6].payload.getSlice(at: 0, length: truncatedTo)! }
        if let lost { segments.remove(at: lost) }
        return segments
    }

    /// A new file path in the temporary directory.
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appending(path: "pgw-capture-\(UUID().uuidString)-\(name)").path
    }

    /// Writes `segments` framed by `framing`, one millisecond apart (plus `offset` nanoseconds), to a new pcap file
    /// with times at `resolution` (microseconds, as tcpdump writes by default); returns its path.
    static func write(
        _ segments: [TCPSegment], framing: SyntheticFrameBuilder.Framing = .ethernet(vlan: nil),
        resolution: CaptureTimestampResolution = .microseconds, offset: Int32 = 0
    ) throws -> String {
        let path = temporaryPath("test.pcap")
        let builder = SyntheticFrameBuilder(framing: framing)
        let writer = try PacketCaptureWriter(path: path, linkType: builder.linkType, resolution: resolution)
        for (index, segment) in segments.enumerated() {
            writer.write(
                builder.frame(segment),
                at: CaptureTimestamp(seconds: 1_764_560_000, nanoseconds: Int32(index) * 1_000_000 + offset))
        }
        try writer.close()
        return path
    }

    /// Every event of the capture at `path`, decoded with messages up to `maximumMessageLength` bytes.
    static func events(
        _ path: String, ports: Set<UInt16> = [5432],
        maximumMessageLength: Int = WireLimits.defaultMaximumMessageLength
    ) throws -> [CaptureEvent] {
        let file = try PacketCaptureFile(path: path)
        var decoder = CaptureDecoder(ports: ports, maximumMessageLength: maximumMessageLength)
        var events: [CaptureEvent] = []
        var last = CaptureTimestamp(seconds: 0, nanoseconds: 0)
        while let packet = try file.nextPacket() {
            decoder.process(packet) { events.append($0) }
            last = packet.timestamp
        }
        decoder.finish(at: last) { events.append($0) }
        return events
    }

    /// The events as short lines: `#1 F Query`, `#1 gap frontend 5`, …
    static func lines(_ events: [CaptureEvent]) -> [String] {
        events.map { event in
            let id = "#\(event.connection.id)"
            switch event.kind {
            case .opened(let fromStart): return "\(id) opened\(fromStart ? "" : " mid-stream")"
            case .message(let message):
                return "\(id) \(message.direction == .frontend ? "F" : "B") \(message.message.typeName)"
            case .failure(let direction, _): return "\(id) failure \(direction)"
            case .gap(let direction, let count, _): return "\(id) gap \(direction) \(count)"
            case .resumed(let direction, _, let skipped): return "\(id) resumed \(direction) \(skipped)"
            case .encrypted: return "\(id) encrypted"
            case .closed(let close): return "\(id) closed \(close.reason.rawValue) \(close.encryptedBytes)"
            }
        }
    }

    /// The capture at `path` decoded with DataRow and CopyData messages framed in place: its events as
    /// ``lines(_:)``, with the frames among them as lines of the same form.
    static func framedLines(_ path: String, ports: Set<UInt16> = [5432]) throws -> [String] {
        let file = try PacketCaptureFile(path: path)
        var decoder = CaptureDecoder(ports: ports)
        var lines: [String] = []
        func frameLine(_ frame: CaptureFrame) {
            let type = frame.frame.typeByte == UInt8(ascii: "D") ? "DataRow" : "CopyData"
            lines.append("#\(frame.connection.id) \(frame.direction == .frontend ? "F" : "B") \(type)")
        }
        var last = CaptureTimestamp(seconds: 0, nanoseconds: 0)
        while let packet = try file.nextPacket() {
            decoder.process(packet, framingBulkMessages: frameLine) { lines += Self.lines([$0]) }
            last = packet.timestamp
        }
        decoder.finish(at: last, framingBulkMessages: frameLine) { lines += Self.lines([$0]) }
        return lines
    }

    /// Writes, reads back and decodes `segments`; the events as ``lines(_:)``.
    static func decodedLines(_ segments: [TCPSegment], framing: SyntheticFrameBuilder.Framing = .ethernet(vlan: nil))
        throws -> [String]
    {
        let path = try write(segments, framing: framing)
        defer { unlink(path) }
        return lines(try events(path))
    }
}
