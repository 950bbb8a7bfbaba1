import PostgresCapture
import PostgresWire

extension DecodeCommand {
    /// Decodes the capture file at `path` packet by packet and prints every selected connection's messages in
    /// packet order; returns the lines for standard error (malformed messages, a damaged file, no connection found).
    func decodeCapture(_ path: String, printer: DecodePrinter) throws -> [String] {
        let file = try PacketCaptureFile(path: path, filter: filter)
        var decoder = CaptureDecoder(ports: Set(ports), maximumMessageLength: maxMessageLength)
        var failures: [String] = []
        var last = CaptureTimestamp(seconds: 0, nanoseconds: 0)
        var connectionCount = 0
        let selected = connection
        // DataRow and CopyData messages, the bulk of most captures, are counted or printed from their frames in place
        // (but for the hex format). Events and frames go to closures written in place, not to a local function: a
        // local function's captured variable is checked at run time, once per message.
        let framesBulkMessages = summary || format != .hex
        var sink = DecodeFrameSink(selected: selected, summarizes: summary)
        do {
            while let packet = try file.nextPacket() {
                if framesBulkMessages {
                    try decoder.process(
                        packet, framingBulkMessages: { sink.add($0, to: printer) },
                        emit: { connectionCount += try show($0, of: selected, printer: printer, failures: &failures) })
                    try printer.flushIfFull()
                } else {
                    try decoder.process(packet) {
                        connectionCount += try show($0, of: selected, printer: printer, failures: &failures)
                    }
                }
                last = packet.timestamp
            }
        } catch let error as CaptureFileError where error.kind == .read {
            failures += ["pgw: \(error)", "pgw: hint: \(error.hint)"]
        }
        if framesBulkMessages {
            try decoder.finish(
                at: last, framingBulkMessages: { sink.add($0, to: printer) },
                emit: { connectionCount += try show($0, of: selected, printer: printer, failures: &failures) })
        } else {
            try decoder.finish(at: last) {
                connectionCount += try show($0, of: selected, printer: printer, failures: &failures)
            }
        }
        sink.flush(to: printer)
        try printer.finish()
        if connectionCount == 0 {
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

    /// Prints `event` if it is of the `selected` connection (any when `nil`); returns 1 when it opens one, else 0.
    private func show(
        _ event: consuming CaptureEvent, of selected: Int?, printer: DecodePrinter, failures: inout [String]
    ) throws -> Int {
        let (info, time) = (event.connection, event.time)
        if let selected, info.id != selected { return 0 }
        var opened = 0
        // Consumed: the message is handed on, not copied (every buffer and array it holds retained, then released).
        switch (consume event).kind {
        case .message(let message):
            try printer.print(message, connection: info, time: time)
        case .opened(let fromStart):
            opened = 1
            let start = fromStart ? "" : " (the capture starts mid-connection)"
            try printer.note(
                "connection \(info.client) -> \(info.server)\(start)", connection: info, time: time)
        case .failure(let direction, let error):
            failures.append("pgw: #\(info.id) \(direction) stream: \(error)")
            try printer.note("\(direction) stream: \(error)", connection: info, time: time)
        case .gap(let direction, let byteCount, let offset):
            try printer.note(
                "\(byteCount) bytes of the \(direction) stream are missing from the capture (offset \(offset))",
                connection: info, time: time)
        case .resumed(let direction, let offset, let skipped):
            try printer.note(
                "\(direction) decoding resumes at offset \(offset), at a message boundary (\(skipped) bytes skipped)",
                connection: info, time: time)
        case .encrypted:
            try printer.note(
                "encrypted: the rest of the connection is not decoded", connection: info, time: time)
        case .closed(let close):
            let encrypted = close.encryptedBytes > 0 ? ", \(close.encryptedBytes) encrypted bytes not decoded" : ""
            try printer.note("closed (\(close.reason.rawValue))\(encrypted)", connection: info, time: time)
        }
        return opened
    }
}
