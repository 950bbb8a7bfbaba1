import Dispatch
import Foundation
import NIOConcurrencyHelpers
import PostgresCapture
import PostgresWire

extension DecodeCommand {
    /// What decoding a share of a capture's connections found besides what its printer took: how many connections
    /// it decoded, and the lines for standard error.
    struct CaptureShareOutcome: Sendable {
        /// The connections decoded.
        var connectionCount = 0
        /// Malformed messages, and a damaged file.
        var failures: [DecodeFailure] = []
    }

    /// Decodes the capture file at `path` packet by packet and prints every selected connection's messages in
    /// packet order; returns the lines for standard error (malformed messages, a damaged file, no connection found).
    ///
    /// With `--summary` of all connections of a regular file, on a machine with more than one core, the connections
    /// are decoded in two shares on two threads, each reading the file itself (the page cache holds it once) and
    /// decoding every other connection, and their totals are put together. On two cores, big.pcap (950 MB) then
    /// takes 15 % less time from the page cache and 12 % less from the disk, for 40 % more CPU time.
    func decodeCapture(_ path: String, printer: DecodePrinter) throws -> [String] {
        let file = try PacketCaptureFile(path: path, filter: filter)
        let outcome: CaptureShareOutcome
        if summary && connection == nil && file.isRegularFile && ProcessInfo.processInfo.activeProcessorCount > 1 {
            outcome = try decodeInTwoShares(file, path: path, printer: printer)
        } else {
            outcome = try decode(file, share: (0, 1), printer: printer)
        }
        try printer.finish()
        var failures = DecodeFailure.lines(of: outcome.failures)
        if outcome.connectionCount == 0 {
            let portList = ports.map(String.init).joined(separator: ", ")
            failures += [
                "pgw: no PostgreSQL connection found in \(file.name)"
                    + (connection.map { " with number \($0)" } ?? "")
                    + (filter.map { " matching the filter '\($0)'" } ?? ""),
                "pgw: hint: connections to port \(portList), and those whose first packet is a startup packet, are "
                    + "decoded; give the server's port with --port",
            ]
        }
        return failures
    }

    /// Decodes the odd-numbered connections of `file` to `printer` on this thread and the even-numbered ones on
    /// another, from the file at `path` opened again, to a printer whose totals `printer` then adopts.
    private func decodeInTwoShares(
        _ file: PacketCaptureFile, path: String, printer: DecodePrinter
    ) throws -> CaptureShareOutcome {
        let other = NIOLockedValueBox<Result<(CaptureShareOutcome, [Int: DecodeConnectionState]), any Error>?>(nil)
        let otherIsDone = DispatchGroup()
        DispatchQueue.global().async(group: otherIsDone) {
            let result = Result {
                let sharePrinter = DecodePrinter(
                    output: StandardOutputWriter(), format: format, options: renderOptions, summarizes: true,
                    filter: messageFilter)
                let outcome = try decode(
                    PacketCaptureFile(path: path, filter: filter), share: (0, 2), printer: sharePrinter)
                return (outcome, sharePrinter.summarizedConnections)
            }
            other.withLockedValue { $0 = result }
        }
        // Waited for even when this share fails: the other thread must not outlive the command.
        defer { otherIsDone.wait() }
        var outcome = try decode(file, share: (1, 2), printer: printer)
        otherIsDone.wait()
        let (otherOutcome, connections) = try other.withLockedValue { $0 }!.get()
        printer.adopt(connections)
        outcome.connectionCount += otherOutcome.connectionCount
        // A damaged file is reported by both shares, at the same place: once is enough.
        outcome.failures += otherOutcome.failures.filter { $0.connection != 0 }
        return outcome
    }

    /// Decodes the connections of `file` in `share` (see ``CaptureDecoder``) to `printer`, without its final
    /// summary.
    private func decode(
        _ file: PacketCaptureFile, share: (index: Int, count: Int), printer: DecodePrinter
    ) throws -> CaptureShareOutcome {
        var decoder = CaptureDecoder(ports: Set(ports), maximumMessageLength: maxMessageLength, share: share)
        var last = CaptureTimestamp(seconds: 0, nanoseconds: 0)
        // DataRow and CopyData messages, the bulk of most captures, are counted in place with --summary, printed from
        // their frames in place otherwise (but for the hex format, which prints every message decoded). Events, frames
        // and runs go to closures written in place, not to a local function: a local function's captured variable is
        // checked at run time, once per message.
        var sink = DecodeCaptureSink(selected: connection, printer: printer)
        // Read once: an option's property wrapper is not free, and this loop runs once per packet.
        let (summarizes, framesBulkMessages) = (summary, format != .hex)
        do {
            while let packet = try file.nextPacket() {
                if summarizes {
                    try decoder.process(packet, countingBulkMessages: { sink.count($0) }, emit: { try sink.show($0) })
                } else if framesBulkMessages {
                    try decoder.process(packet, framingBulkMessages: { sink.print($0) }, emit: { try sink.show($0) })
                    try printer.flushIfFull()
                } else {
                    try decoder.process(packet) { try sink.show($0) }
                }
                last = packet.timestamp
                sink.packetIndex += 1
            }
        } catch let error as CaptureFileError where error.kind == .read {
            sink.failures.append(
                DecodeFailure(
                    packet: sink.packetIndex, connection: 0, lines: ["pgw: \(error)", "pgw: hint: \(error.hint)"]))
        }
        if summarizes {
            try decoder.finish(at: last, countingBulkMessages: { sink.count($0) }, emit: { try sink.show($0) })
        } else if framesBulkMessages {
            try decoder.finish(at: last, framingBulkMessages: { sink.print($0) }, emit: { try sink.show($0) })
        } else {
            try decoder.finish(at: last) { try sink.show($0) }
        }
        return CaptureShareOutcome(connectionCount: sink.connectionCount, failures: sink.failures)
    }
}
