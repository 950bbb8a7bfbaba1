import NIOCore
import PostgresWire

/// The REPL's interpreter: runs typed lines (messages in the text form, meta-commands), prints what is sent and
/// what arrives, and checks `\expect`ations against the arrivals in order.
///
/// In client mode the lines are frontend messages sent to a server; in server mode (a ``REPLListener``) they are
/// backend messages sent to the client, and `\auto-startup` and `\auto-query` answer for you.
public actor REPLSession {
    /// The switches (`\format`, `\reveal`, `\set autosend`, the timeout).
    public private(set) var settings: REPLSettings
    private let transport: any REPLTransport
    private let write: @Sendable (String) -> Void
    /// Where notes go when messages are written as JSON Lines, so that those stay JSON (standard error).
    private let writeNote: (@Sendable (String) -> Void)?
    private let parser: TextFormParser
    /// The lines run so far, for `\history`.
    private var history: [String] = []
    /// `\auto-query`'s engine (server mode).
    private var queryAnswering = REPLQueryAnswering()
    /// Lines typed with autosend off, waiting for `\send`.
    private var pending: [TextFormLine] = []
    /// Arrivals not yet checked by `\expect`, oldest first (a bounded tail).
    private var unchecked = UncheckedArrivals()
    /// The replies the server owes for the messages sent (client mode): what `\wait` waits for, and names when
    /// it times out.
    private var owed = OwedReplies()
    private var sentOffset = 0
    /// The offsets of the client's packets `\auto-startup` took over that have not arrived here yet.
    private var answeredAutomatically: Set<Int> = []
    /// Why the connection ended, once it did.
    private var endReason: String?
    /// What went wrong with the connection (bytes of the peer's that do not decode, say), which fails the script.
    private var failureReason: String?
    /// Whether pgw closed the connection (after a ``REPLEvent/failure(_:)``), or it was lost (after a
    /// ``REPLEvent/lost(_:)``, which says how): the end is not the peer's closing then.
    private var closing: (byPGW: Bool, lost: Bool) = (false, false)
    /// Whether a client has connected (server mode).
    private var hasClient = false
    /// The prepared statements' parameter types and the result columns, from the messages sent and received: for
    /// a Bind's binary values typed as `pgw decode` prints them, and to show binary values typed.
    private var valueTypes = ValueTypeTracker()
    /// Whether ``valueTypes`` has seen a frontend message (the first tells whether the startup is still to come).
    private var isTrackingTypes = false

    /// Whose messages the lines are: frontend in client mode, backend in server mode.
    public nonisolated var direction: MessageDirection { transport.direction }

    /// A session sending through `transport` and printing each output line with `write`; notes (`-- the server
    /// closed the connection`) go to `writeNote` instead when given and the format is JSON, so that the output is
    /// JSON Lines.
    public init(
        transport: any REPLTransport, settings: REPLSettings, write: @escaping @Sendable (String) -> Void,
        writeNote: (@Sendable (String) -> Void)? = nil
    ) {
        self.transport = transport
        self.parser = TextFormParser(direction: transport.direction)
        self.settings = settings
        self.write = write
        self.writeNote = writeNote
    }

    /// Writes a note, `-- ` and `text`: to `writeNote` when messages are written as JSON Lines.
    private func note(_ text: String) {
        if settings.format == .json, let writeNote {
            writeNote("-- " + text)
        } else {
            write("-- " + text)
        }
    }

    /// Prints an arrival and keeps it for `\expect`; in server mode with `\auto-query` on, answers it.
    public func receive(_ event: REPLEvent) async {
        switch event {
        case .message(var decoded):
            decoded.valueTypes = observeTypes(decoded.message)
            write(decoded.formatted(as: settings.format, options: RenderOptions(revealSecrets: settings.revealSecrets)))
            if answeredAutomatically.remove(decoded.offset) == nil { unchecked.append(decoded) }
            queryAnswering.observe(decoded.message)
            switch decoded.message {
            case .backend(let message): if transport.direction == .frontend { owed.received(message) }
            case .frontend(let message): await sendAnswers(queryAnswering.answer(message))
            }
        case .automatic(let decoded):
            _ = observeTypes(decoded.message)
            write(decoded.formatted(as: settings.format, options: RenderOptions(revealSecrets: settings.revealSecrets)))
            queryAnswering.observe(decoded.message)
            if decoded.direction == transport.direction { sentOffset += decoded.bytes.readableBytes }
        case .accepted(let address):
            hasClient = true
            note("client connected from \(address)")
        case .note(let text):
            note(text)
        case .failure(let reason):
            note(reason)
            endReason = endReason ?? reason
            failureReason = failureReason ?? reason
            closing.byPGW = true
        case .lost(let reason):
            note(reason)
            endReason = endReason ?? reason
            failureReason = failureReason ?? reason
            closing.lost = true
        case .closed:
            let peer = transport.direction == .frontend ? "server" : "client"
            if closing.byPGW {
                note("pgw closed the connection")
            } else if !closing.lost {
                note("the \(peer) closed the connection")
            }
            endReason = endReason ?? "the \(peer) has closed the connection"
        }
    }

    /// Sends `\auto-query`'s answers, each shown as sent.
    private func sendAnswers(_ answers: [BackendMessage]) async {
        guard !answers.isEmpty else { return }
        let lines = answers.map { message in
            var bytes = ByteBuffer()
            message.encode(into: &bytes)
            return TextFormLine(message: .backend(message), bytes: bytes)
        }
        if case .failed(let reason) = await send(lines) { note("\\auto-query: \(reason)") }
    }

    /// Whether the line typed so far continues on the next: it ends inside a quoted string (a comment or a note
    /// line never does).
    public static func continuesOnNextLine(_ text: String) -> Bool {
        !isComment(text) && TextFormParser.endsInsideString(text)
    }

    /// Whether `line` is empty, a comment (`#`, `--`) or a connection note pasted from `pgw decode` or `pgw proxy`
    /// with its time and connection number (`04:23:49.318212 #1 -- closed (FIN)`): nothing to send.
    static func isComment(_ line: String) -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        return trimmed.isEmpty || trimmed.hasPrefix("#") || TextFormParser.isNote(line)
    }

    /// Runs one line.
    public func execute(_ line: String) async -> REPLOutcome {
        if Self.isComment(line) { return .done }
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        history.append(line)
        if trimmed.hasPrefix("\\") && !trimmed.hasPrefix("\\hex") {
            return await meta(String(trimmed))
        }
        let parsed: TextFormLine
        switch parse(line) {
        case .success(let line):
            parsed = line
        case .failure(let failure):
            // A Bind of a statement whose ParameterDescription is on its way (a Describe and a Flush were sent, as
            // asyncpg does) is read again once the description has come, which gives the parameters' types.
            let awaited = failure.statements.filter(owed.owesParameterDescription)
            guard !awaited.isEmpty else {
                let unflushed = failure.statements.filter(owed.holdsUnflushedDescribe)
                guard let statement = unflushed.first else { return .failed(failure.error.description) }
                return .failed(
                    failure.error.description + "\n(the Describe of statement \"\(statement)\" is not answered yet: "
                        + "send Flush or Sync after it, and the ParameterDescription gives the types)")
            }
            let deadline = ContinuousClock.now + settings.timeout
            while awaited.contains(where: owed.owesParameterDescription), endReason == nil,
                ContinuousClock.now < deadline
            {
                try? await Task.sleep(for: .milliseconds(5))
            }
            guard case .success(let line) = parse(line) else { return .failed(failure.error.description) }
            parsed = line
        }
        pending.append(parsed)
        return settings.autosend ? await send() : .done
    }

    /// Why a line does not parse, with the statements whose parameter types the parser asked for.
    private struct ParseFailure: Error {
        var error: TextFormError
        var statements: [String]
    }

    /// Parses `line`, giving the parser the parameter types of the statements it asks about.
    private func parse(_ line: String) -> Result<TextFormLine, ParseFailure> {
        var statements: [String] = []
        do {
            return .success(
                try parser.parse(line) { name in
                    statements.append(name)
                    return self.parameterTypes(ofStatement: name)
                })
        } catch {
            return .failure(ParseFailure(error: error, statements: statements))
        }
    }

    /// The parameter types of the prepared statement `name`: from its Parse typed and not sent yet (autosend off),
    /// else as its Parse sent or a ParameterDescription received gave them.
    private func parameterTypes(ofStatement name: String) -> [UInt32]? {
        for line in pending.reversed() {
            if case .frontend(.parse(let parse))? = line.message, parse.name == name { return parse.parameterTypes }
        }
        return valueTypes.parameterTypes(ofStatement: name)
    }

    /// Follows `message`, sent or received, for the value types; returns the types of its values (a Bind's
    /// parameters, a DataRow's columns) when known.
    private func observeTypes(_ message: WireMessage) -> [ValueType]? {
        switch message {
        case .frontend(let frontend):
            if !isTrackingTypes {
                isTrackingTypes = true
                switch frontend {
                case .startup, .sslRequest, .gssENCRequest, .cancelRequest: break
                // pgw logged in: the session is past its startup.
                default: valueTypes.reset()
                }
            }
            return valueTypes.observe(frontend)
        case .backend(let backend):
            return valueTypes.observe(backend)
        }
    }

    /// Whether a reply the server owes has not arrived: the ReadyForQuery of a Query, Sync or FunctionCall, the
    /// ParseComplete of a Parse followed by a Flush… (also while the server waits for COPY data, when cancelling is
    /// what ends it).
    public var isWaitingForReady: Bool { owed.isOwed }

    /// Whether `\quit` is owed: the connection ended.
    public var hasEnded: Bool { endReason != nil }

    /// At the end of a script: in client mode, waits until every reply owed has arrived (the ReadyForQuery of each
    /// Query, Sync and StartupMessage sent, and the replies to the messages before a Flush); in server mode, until
    /// the client closes the connection; up to the timeout. A COPY still waiting for the client's data, or a
    /// failure of the connection (the peer's bytes did not decode), fails the script.
    public func waitForEnd() async -> REPLOutcome {
        guard transport.direction == .backend else {
            let outcome = await awaitReplies()
            if let failureReason { return .failed(failureReason) }
            if case .copy(let wait) = outcome {
                return .failed(Self.copyWaitText(wait) + ", and the script ended without " + Self.copyEndText(wait))
            }
            if case .failed(let reason) = outcome { return .failed(reason) }
            return .done
        }
        let deadline = ContinuousClock.now + settings.timeout
        while endReason == nil {
            guard ContinuousClock.now < deadline else {
                return .failed(
                    hasClient
                        ? "the client did not close the connection within \(settings.timeout)"
                        : "no client connected within \(settings.timeout)")
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return failureReason.map(REPLOutcome.failed) ?? .done
    }

    /// Waits until every reply owed has arrived (the ReadyForQuery of each Query, Sync and StartupMessage sent, and
    /// the replies to the messages before a Flush), up to the timeout; stops early, saying so in a note, when the
    /// server waits for the client's COPY data.
    public func waitForReady() async -> REPLOutcome {
        switch await awaitReplies() {
        case .answered:
            return .done
        case .copy(let wait):
            note(Self.copyWaitText(wait) + ": send " + Self.copyEndText(wait, withData: true))
            return .done
        case .failed(let reason):
            return .failed(reason)
        }
    }

    /// How waiting for the replies owed ended.
    private enum RepliesWait {
        /// Every reply owed arrived.
        case answered
        /// The server waits for the client's data in a COPY.
        case copy(OwedReplies.CopyWait)
        /// The connection ended, or the timeout passed, first.
        case failed(String)
    }

    /// Waits until the server owes no reply it sends without the client, up to the timeout.
    private func awaitReplies() async -> RepliesWait {
        let deadline = ContinuousClock.now + settings.timeout
        while owed.isServerBusy {
            let awaited = owed.owesOnlyReadyForQuery ? "ReadyForQuery" : "the replies"
            if let endReason { return .failed("waiting for \(awaited): \(endReason)") }
            guard ContinuousClock.now < deadline else {
                let what = owed.owesOnlyReadyForQuery ? "ReadyForQuery" : "reply"
                return .failed("no \(what) within \(settings.timeout): " + unansweredText)
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return owed.copyWait.map(RepliesWait.copy) ?? .answered
    }

    /// What the server waits for in a COPY: `the server waits for CopyData (COPY FROM STDIN)`.
    private static func copyWaitText(_ wait: OwedReplies.CopyWait) -> String {
        switch wait {
        case .copyIn: "the server waits for CopyData (COPY FROM STDIN)"
        case .copyBoth: "the server streams CopyData (CopyBothResponse) and waits for the client's CopyData or CopyDone"
        }
    }

    /// What ends a COPY that waits for the client: `CopyDone or CopyFail`, with `withData` `CopyData, then …`.
    private static func copyEndText(_ wait: OwedReplies.CopyWait, withData: Bool = false) -> String {
        let end = wait == .copyIn ? "CopyDone or CopyFail" : "CopyDone"
        return withData ? "CopyData, then \(end)" : end
    }

    /// What still waits for a reply: `1 Query or Sync is still unanswered`, `1 StartupMessage is …`, `2 messages
    /// (Parse, Describe) are …`.
    private var unansweredText: String {
        let names = owed.owedNames
        let count = names.count
        guard names.contains(where: { !["Query", "Sync"].contains($0) }) else {
            return "\(count) " + (count == 1 ? "Query or Sync is" : "Queries or Syncs are") + " still unanswered"
        }
        if count == 1 { return "1 \(names[0]) is still unanswered" }
        let shown = names.count > 8 ? names.prefix(8).joined(separator: ", ") + ", …" : names.joined(separator: ", ")
        return "\(count) messages (\(shown)) are still unanswered"
    }

    private func send() async -> REPLOutcome {
        let lines = pending
        pending = []
        return await send(lines)
    }

    /// Shows and sends `lines` in one write.
    private func send(_ lines: [TextFormLine]) async -> REPLOutcome {
        if let reason = transport.unavailableReason { return .failed("cannot send: \(reason)") }
        if let endReason { return .failed("cannot send: \(endReason)") }
        var bytes = ByteBuffer()
        var messages: [WireMessage] = []
        for line in lines {
            let types = line.message.flatMap(observeTypes)
            show(line, valueTypes: types)
            bytes.writeImmutableBuffer(line.bytes)
            guard let message = line.message else {
                if transport.direction == .frontend { Self.observeOwed(hex: line.bytes, in: &owed) }
                continue
            }
            messages.append(message)
            queryAnswering.observe(message)
            if case .frontend(let frontend) = message { owed.sent(frontend) }
        }
        guard bytes.readableBytes > 0 else { return .done }
        do {
            try await transport.send(bytes, messages: messages)
            return .done
        } catch {
            return .failed("cannot send: \(error)")
        }
    }

    /// Takes the whole messages in `bytes` (a `\hex` line) as sent: each Query, Sync and FunctionCall owes its
    /// ReadyForQuery, the others before a Flush their replies.
    private static func observeOwed(hex bytes: ByteBuffer, in owed: inout OwedReplies) {
        var bytes = bytes
        while let type = bytes.readInteger(as: UInt8.self), let length = bytes.readInteger(as: Int32.self),
            length >= 4, let body = bytes.readSlice(length: Int(length) - 4)
        {
            owed.sent(typeByte: type, body: body)
        }
    }

    private func show(_ line: TextFormLine, valueTypes: [ValueType]?) {
        let options = RenderOptions(revealSecrets: settings.revealSecrets)
        var text: String
        if let message = line.message {
            text = DecodedMessage(message: message, offset: sentOffset, bytes: line.bytes, valueTypes: valueTypes)
                .formatted(
                    as: settings.format, options: options)
            if !line.alterations.isEmpty { text += "  (altered: \(line.alterations.joined(separator: ", ")))" }
        } else {
            text =
                (transport.direction == .frontend ? "F" : "B") + " \\hex "
                + line.bytes.readableBytesView.map { HexDump.hex([$0]) }.joined(separator: " ")
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
            guard let help = REPLHelp.text(for: argument.isEmpty ? nil : argument, direction: transport.direction)
            else {
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
            if argument.isEmpty { return await (transport.direction == .frontend ? waitForReady() : waitForArrival()) }
            guard let milliseconds = Int(argument), milliseconds >= 0 else {
                return .failed(
                    "usage: \\wait [MILLISECONDS] (without: until every reply owed has arrived; in server mode, "
                        + "until the client sends a message)")
            }
            await pause(upTo: .milliseconds(milliseconds))
            return .done
        case "\\expect":
            return await expect(String(line.dropFirst("\\expect".count)))
        case "\\tls":
            do {
                // The transport reports the handshake's start and end, in order with the messages.
                try await transport.startTLS()
                return .done
            } catch {
                return .failed("cannot start TLS: \(error)")
            }
        case "\\auto-startup":
            do {
                // The packets it answers are no longer for `\expect`, whether they arrived here already or not.
                var answered = Set(try await transport.startAutomaticStartup())
                unchecked.removeAll { answered.remove($0.offset) != nil }
                answeredAutomatically.formUnion(answered)
                return .done
            } catch {
                return .failed("cannot answer the startup: \(error)")
            }
        case "\\auto-query":
            guard transport.direction == .backend else { return .failed("\\auto-query is for server mode (--listen)") }
            guard let on = argument.isEmpty ? true : Self.switchValue(argument) else {
                return .failed("usage: \\auto-query [on|off]")
            }
            queryAnswering.isOn = on
            return .done
        case "\\history":
            let width = String(history.count).count
            write(
                history.enumerated().map { index, line in
                    String(repeating: " ", count: width - String(index + 1).count) + "\(index + 1)  \(line)"
                }.joined(separator: "\n"))
            return .done
        case "\\cancel":
            do {
                try await transport.cancel()
                note("cancel request sent")
                return .done
            } catch {
                return .failed("cannot cancel: \(error)")
            }
        default:
            return .failed("unknown meta-command '\(words[0])'; \\help lists them")
        }
    }

    /// `\wait MS`: a pause that ends early once what a `\wait` waits for is there (every reply owed arrived, or
    /// the server waits for COPY data; in server mode, a message from the client not yet checked), or the connection
    /// ended. Not a check: it never fails.
    private func pause(upTo duration: Duration) async {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline && endReason == nil {
            let isThere = transport.direction == .frontend ? !owed.isServerBusy : !unchecked.isEmpty
            if isThere { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Server mode's `\wait`: until the client has sent a message not yet checked by `\expect`.
    private func waitForArrival() async -> REPLOutcome {
        guard let reason = await awaitUnchecked() else { return .done }
        return .failed("waiting for the client: \(reason)")
    }

    /// Waits until a message not yet checked by `\expect` has arrived; why none did, if so.
    private func awaitUnchecked() async -> String? {
        let deadline = ContinuousClock.now + settings.timeout
        while unchecked.isEmpty {
            if let endReason { return endReason }
            guard ContinuousClock.now < deadline else { return "nothing arrived within \(settings.timeout)" }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    private func expect(_ text: String) async -> REPLOutcome {
        guard text.contains(where: { !$0.isWhitespace }) else {
            return .failed("usage: \\expect TYPE [field=value…], such as \\expect ReadyForQuery status=I")
        }
        let expectation: TextFormExpectation
        do {
            expectation = try TextFormExpectation(parsing: text)
        } catch {
            // Shown with the line as typed, `\expect` included.
            var whole = error
            whole.line = "\\expect" + error.line
            whole.column += "\\expect".count
            return .failed(whole.description)
        }
        if let reason = await awaitUnchecked() { return .failed("expected \(expectation); \(reason)") }
        guard let (arrived, dropped) = unchecked.takeOldest() else { return .failed("expected \(expectation)") }
        if dropped > 0 {
            return .failed(
                "expected \(expectation); \(dropped) earlier arrivals were not kept (over "
                    + "\(UncheckedArrivals.byteLimit >> 20) MiB arrived without \\expect)")
        }
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
