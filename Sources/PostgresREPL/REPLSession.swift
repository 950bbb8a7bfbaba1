import NIOCore
import PostgresWire

/// The REPL's interpreter: runs typed lines (messages in the text form, meta-commands), prints what is sent and
/// what arrives, and checks `\expect`ations against the arrivals in order.
public actor REPLSession {
    /// The switches (`\format`, `\reveal`, `\set autosend`, the timeout).
    public private(set) var settings: REPLSettings
    private let transport: any REPLTransport
    private let write: @Sendable (String) -> Void
    private let parser = TextFormParser(direction: .frontend)
    /// Lines typed with autosend off, waiting for `\send`.
    private var pending: [TextFormLine] = []
    /// Arrivals not yet checked by `\expect`, oldest first.
    private var unchecked: [DecodedMessage] = []
    /// Queries and Syncs sent, and ReadyForQuery messages received: `\wait` waits until they are even.
    private var readyOwed = 0
    private var readyReceived = 0
    private var sentOffset = 0
    private var endReason: String?

    /// A session sending through `transport` and printing each output line with `write`.
    public init(transport: any REPLTransport, settings: REPLSettings, write: @escaping @Sendable (String) -> Void) {
        self.transport = transport
        self.settings = settings
        self.write = write
    }

    /// Prints an arrival and keeps it for `\expect`.
    public func receive(_ event: REPLEvent) {
        switch event {
        case .message(let decoded):
            write(decoded.formatted(as: settings.format, options: RenderOptions(revealSecrets: settings.revealSecrets)))
            unchecked.append(decoded)
            if case .backend(.readyForQuery) = decoded.message { readyReceived += 1 }
        case .failure(let reason):
            write("-- \(reason)")
            endReason = endReason ?? reason
        case .closed:
            write("-- the server closed the connection")
            endReason = endReason ?? "the server closed the connection"
        }
    }

    /// Runs one line.
    public func execute(_ line: String) async -> REPLOutcome {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("--") { return .done }
        if trimmed.hasPrefix("\\") && !trimmed.hasPrefix("\\hex") {
            return await meta(String(trimmed))
        }
        let parsed: TextFormLine
        do {
            parsed = try parser.parse(line)
        } catch {
            return .failed(error.description)
        }
        pending.append(parsed)
        return settings.autosend ? await send() : .done
    }

    /// Whether a Query or Sync sent still waits for its ReadyForQuery.
    public var isWaitingForReady: Bool { readyReceived < readyOwed }

    /// Whether `\quit` is owed: the connection ended.
    public var hasEnded: Bool { endReason != nil }

    /// Waits until every Query, Sync and StartupMessage sent has its ReadyForQuery, up to the timeout.
    public func waitForReady() async -> REPLOutcome {
        let deadline = ContinuousClock.now + settings.timeout
        while readyReceived < readyOwed {
            if let endReason { return .failed("waiting for ReadyForQuery: \(endReason)") }
            guard ContinuousClock.now < deadline else {
                return .failed(
                    "no ReadyForQuery within \(settings.timeout) (\(readyOwed - readyReceived) of \(readyOwed) owed)")
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return .done
    }

    private func send() async -> REPLOutcome {
        let lines = pending
        pending = []
        var bytes = ByteBuffer()
        var messages: [FrontendMessage] = []
        for line in lines {
            show(line)
            bytes.writeImmutableBuffer(line.bytes)
            guard case .frontend(let message) = line.message else { continue }
            messages.append(message)
            switch message {
            case .query, .sync, .startup: readyOwed += 1
            default: break
            }
        }
        guard bytes.readableBytes > 0 else { return .done }
        do {
            try await transport.send(bytes, messages: messages)
            return .done
        } catch {
            return .failed("cannot send: \(error)")
        }
    }

    private func show(_ line: TextFormLine) {
        let options = RenderOptions(revealSecrets: settings.revealSecrets)
        var text: String
        if let message = line.message {
            text = DecodedMessage(message: message, offset: sentOffset, bytes: line.bytes).formatted(
                as: settings.format, options: options)
            if !line.alterations.isEmpty { text += "  (altered: \(line.alterations.joined(separator: ", ")))" }
        } else {
            text = "F \\hex " + line.bytes.readableBytesView.map { HexDump.hex([$0]) }.joined(separator: " ")
        }
        sentOffset += line.bytes.readableBytes
        write(text)
    }

    private func meta(_ line: String) async -> REPLOutcome {
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let argument = words.dropFirst().joined(separator: " ")
        switch words[0] {
        case "\\q", "\\quit":
            return .quit
        case "\\send":
            return await send()
        case "\\help", "\\h", "\\?":
            guard let help = REPLHelp.text(for: argument.isEmpty ? nil : argument) else {
                return .failed("no help for '\(argument)'; \\help lists the messages and meta-commands")
            }
            write(help)
            return .done
        case "\\set":
            guard words.count == 3, words[1] == "autosend", let on = Self.switchValue(words[2]) else {
                return .failed("usage: \\set autosend on|off")
            }
            settings.autosend = on
            return .done
        case "\\reveal":
            guard let on = Self.switchValue(argument) else { return .failed("usage: \\reveal on|off") }
            settings.revealSecrets = on
            return .done
        case "\\format":
            guard let format = RenderFormat(rawValue: argument) else { return .failed("usage: \\format text|json|hex") }
            settings.format = format
            return .done
        case "\\wait":
            if argument.isEmpty { return await waitForReady() }
            guard let milliseconds = Int(argument), milliseconds >= 0 else {
                return .failed("usage: \\wait [MILLISECONDS] (without: until every Query and Sync is answered)")
            }
            try? await Task.sleep(for: .milliseconds(milliseconds))
            return .done
        case "\\expect":
            return await expect(String(line.dropFirst("\\expect".count)))
        case "\\tls":
            do {
                try await transport.startTLS()
                write("-- TLS handshake started")
                return .done
            } catch {
                return .failed("cannot start TLS: \(error)")
            }
        case "\\cancel":
            do {
                try await transport.cancel()
                write("-- cancel request sent")
                return .done
            } catch {
                return .failed("cannot cancel: \(error)")
            }
        default:
            return .failed("unknown meta-command '\(words[0])'; \\help lists them")
        }
    }

    private func expect(_ text: String) async -> REPLOutcome {
        let expectation: TextFormExpectation
        do {
            expectation = try TextFormExpectation(parsing: text)
        } catch {
            return .failed(error.description)
        }
        let deadline = ContinuousClock.now + settings.timeout
        while unchecked.isEmpty {
            if let endReason { return .failed("expected \(expectation); \(endReason)") }
            guard ContinuousClock.now < deadline else {
                return .failed("expected \(expectation); nothing arrived within \(settings.timeout)")
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        let arrived = unchecked.removeFirst()
        guard let mismatch = expectation.mismatch(arrived.message) else { return .done }
        let shown = arrived.formatted(as: .text, options: RenderOptions(revealSecrets: settings.revealSecrets))
        return .failed("expected \(expectation); received \(shown) (\(mismatch))")
    }

    private static func switchValue(_ text: String) -> Bool? {
        switch text {
        case "on", "true", "1": true
        case "off", "false", "0": false
        default: nil
        }
    }
}
