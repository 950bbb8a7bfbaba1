import PostgresCapture
import PostgresWire

extension DecodeCommand {
    /// Decodes the capture file at `path` packet by packet and prints every selected connection's messages in
    /// packet order; returns the lines for standard error (malformed messages, a damaged file, no connection found).
    func decodeCapture(_ path: String, printer: DecodePrinter) throws -> [String] {
        let file = try PacketCaptureFile(path: path, filter: filter)
        guard PacketParser.reads(linkType: file.linkType) else {
            return [
                "pgw: \(file.name) holds packets of link-layer type \(file.linkTypeDescription), which pgw decode does "
                    + "not read",
                "pgw: hint: pgw reads Ethernet, Linux cooked (SLL, SLL2), loopback, raw IP and PPP captures; capture on "
                    + "another interface (tcpdump -i any gives Linux cooked)",
            ]
        }
        printer.timestampResolution = file.timestampResolution
        var decoder = CaptureDecoder(ports: Set(ports), maximumMessageLength: maxMessageLength)
        var last = CaptureTimestamp(seconds: 0, nanoseconds: 0)
        // DataRow and CopyData messages, the bulk of most captures, are counted in place with --summary, printed from
        // their frames in place otherwise (but for the hex format, which prints every message decoded). Events, frames
        // and runs go to closures written in place, not to a local function: a local function's captured variable is
        // checked at run time, once per message.
        var sink = DecodeCaptureSink(selected: connection, printer: printer)
        // Read once: an option's property wrapper is not free, and this loop runs once per packet.
        let (summarizes, framesBulkMessages) = (summary, format != .hex)
        var unreadable = false
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
                // A live capture (`tcpdump -U -w - | pgw decode -`): its messages are shown as their packets come.
                if !summarizes && file.mayWaitForInput { try printer.flush() }
                last = packet.timestamp
            }
        } catch let error as CaptureFileError where error.kind == .read || error.kind == .mixedInterfaces {
            sink.failures += ["pgw: \(error)", "pgw: hint: \(error.hint)"]
            // A file libpcap cannot read has its connections still in it: saying none were found would mislead.
            unreadable = error.kind == .mixedInterfaces
        }
        if summarizes {
            try decoder.finish(at: last, countingBulkMessages: { sink.count($0) }, emit: { try sink.show($0) })
        } else if framesBulkMessages {
            try decoder.finish(at: last, framingBulkMessages: { sink.print($0) }, emit: { try sink.show($0) })
        } else {
            try decoder.finish(at: last) { try sink.show($0) }
        }
        try printer.finish()
        var failures = sink.failures
        let highest = decoder.highestConnectionNumber
        if sink.connectionCount == 0, let connection, let filter, (1...max(highest, 1)).contains(connection),
            highest > 0
        {
            // Numbered as without the filter: the connection is there, the filter takes none of its packets.
            failures += [
                "pgw: connection #\(connection) of \(file.name) has no packet matching the filter '\(filter)'",
                "pgw: hint: connections keep the numbers they have without --filter; --summary without --filter lists "
                    + "them with their addresses",
            ]
        } else if sink.connectionCount == 0, let connection, highest > 0 {
            failures += [
                "pgw: no connection #\(connection) in \(file.name): its PostgreSQL connections are #1 to #\(highest)",
                "pgw: hint: --summary lists them with their addresses",
            ]
        } else if sink.connectionCount == 0 && !unreadable {
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
}
