import Foundation
import NIOConcurrencyHelpers
import PostgresGateway
import PostgresWire

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// What `pgw proxy --record FILE` collects from every relayed connection: the server's version and parameters and
/// each statement with its answer, written at the end as a `pgw serve` script whose rules, used once each in
/// order, answer the same client run the same way.
public final class ScriptRecording: Sendable {
    /// What has been collected, across connections.
    private struct State {
        /// The first `server_version` ParameterStatus.
        var serverVersion: String?
        /// The other ParameterStatus values of the logins, first seen first (the first login's, and those a later
        /// login reported that no earlier one had).
        var parameters: [(name: String, value: String)] = []
        /// The values a login of a user to a database reported unlike ``parameters``, first login of each first.
        var logins: [LoginParameters] = []
        /// The statements, in the order their answers ended; `nil` for a place reserved for a statement a
        /// connection still holds back (``reserve()``).
        var places: [RecordedStatement?] = []
        /// The statements recorded, in order.
        var statements: [RecordedStatement] { places.compactMap { $0 } }
        /// How many statements could not be recorded, by reason, first seen first.
        var skipped: [(reason: UnrecordableReason, count: Int)] = []
    }

    /// The script file written by ``write()``.
    public let path: String
    /// How the rules match statements.
    public let matching: RecordedMatching
    private let state = NIOLockedValueBox(State())

    /// A recording to be written to `path`, its rules matching as `matching` says.
    public init(path: String, matching: RecordedMatching = .exact) {
        self.path = path
        self.matching = matching
    }

    /// Takes a login's ParameterStatus values (those the client set at startup left out): the first login's are
    /// the server's parameters (`server_version` the script's version); a later login's values that differ from
    /// them are its user's in its database (`server.logins`, if no earlier login of both had them), and those no
    /// login reported before are added to the server's. `user` or `database` `nil`: the login's startup was not
    /// seen, so its values are not told apart.
    func login(user: String?, database: String?, parameters: [(name: String, value: String)]) {
        state.withLockedValue { state in
            let isFirst = state.serverVersion == nil && state.parameters.isEmpty
            var different: [(name: String, value: String)] = []
            for (name, value) in parameters where name != "application_name" {
                if name == "server_version" {
                    if state.serverVersion == nil { state.serverVersion = value }
                } else if let known = state.parameters.first(where: { $0.name == name }) {
                    // serve reports the login's own user as session_authorization.
                    if known.value != value && !isFirst && name != "session_authorization" {
                        different.append((name, value))
                    }
                } else {
                    state.parameters.append((name, value))
                }
            }
            guard !different.isEmpty, let user, let database,
                !state.logins.contains(where: { $0.user == user && $0.database == database })
            else { return }
            state.logins.append(LoginParameters(user: user, database: database, parameters: different))
        }
    }

    /// Adds a finished statement.
    func add(_ statement: RecordedStatement) {
        state.withLockedValue { $0.places.append(statement) }
    }

    /// Reserves the next place for a statement whose answer ended now but that its connection holds back (for the
    /// notifications that may follow it): filled by ``add(_:at:)``, so that a connection that closes late cannot
    /// put its last statement after those of a later connection.
    func reserve() -> Int {
        state.withLockedValue { state in
            state.places.append(nil)
            return state.places.count - 1
        }
    }

    /// Puts `statement` in the place ``reserve()`` gave.
    func add(_ statement: RecordedStatement, at place: Int) {
        state.withLockedValue { $0.places[place] = statement }
    }

    /// Counts a statement that a script cannot express, for `reason`.
    func skip(_ reason: UnrecordableReason) {
        state.withLockedValue { state in
            if let index = state.skipped.firstIndex(where: { $0.reason == reason }) {
                state.skipped[index].count += 1
            } else {
                state.skipped.append((reason, 1))
            }
        }
    }

    /// The number of statements recorded so far.
    public var statementCount: Int { state.withLockedValue { $0.statements.count } }

    /// The script as YAML text.
    public func yaml() -> String {
        let state = state.withLockedValue { $0 }
        var text = "# Recorded by pgw proxy: \(state.statements.count) statements"
        if !state.skipped.isEmpty {
            let total = state.skipped.reduce(0) { $0 + $1.count }
            let reasons = state.skipped.map { "\($0.count) \($0.reason.rawValue)" }
            text += " (\(total) not recordable: \(reasons.joined(separator: ", ")))"
        }
        text += ". Replay: pgw serve --script FILE\n"
        if state.serverVersion != nil || !state.parameters.isEmpty { text += "server:\n" }
        if let version = state.serverVersion { text += "  version: \(Self.quoted(version))\n" }
        if !state.parameters.isEmpty {
            text += "  parameters:\n"
            for (name, value) in state.parameters { text += "    \(Self.quoted(name)): \(Self.quoted(value))\n" }
        }
        if !state.logins.isEmpty {
            // What logins of a user to a database reported unlike the parameters above (another database's
            // TimeZone, a role's settings): serve reports them to such logins.
            text += "  logins:\n"
            for login in state.logins {
                let parameters = login.parameters.map { "\(Self.quoted($0.name)): \(Self.quoted($0.value))" }
                text +=
                    "    - {user: \(Self.quoted(login.user ?? "")), database: \(Self.quoted(login.database ?? "")), "
                text += "parameters: {\(parameters.joined(separator: ", "))}}\n"
            }
        }
        text += "unmatched: error\nrules:\n"
        for statement in state.statements { text += Self.rule(statement, matching: matching) }
        if state.statements.isEmpty { text += "  []\n" }
        return text
    }

    /// Checks, when the proxy starts, that ``write()`` will be able to write: its file can be created beside
    /// ``path`` (created and removed again) and ``path`` is not a directory.
    public func checkWritable() throws(TrafficLogError) {
        var status = stat()
        if stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
            throw TrafficLogError(description: "'\(path)' is a directory; give a file name")
        }
        let directory = (path as NSString).deletingLastPathComponent
        guard let probe = SiblingTemporaryFile(beside: path) else {
            throw Self.failure("cannot create files in the directory '\(directory.isEmpty ? "." : directory)'")
        }
        close(probe.descriptor)
        unlink(probe.path)
    }

    /// Writes ``yaml()`` to ``path`` atomically: a new file (mode 0600, ``SiblingTemporaryFile``) beside it,
    /// renamed over it.
    public func write() throws(TrafficLogError) {
        let text = yaml()
        guard let file = SiblingTemporaryFile(beside: path) else {
            throw Self.failure("cannot create a file beside '\(path)'")
        }
        let (temporary, descriptor) = (file.path, file.descriptor)
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBufferPointer {
                writeToDescriptor(descriptor, $0.baseAddress! + offset, $0.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            guard written >= 0 else {
                let error = Self.failure("cannot write '\(temporary)'")
                close(descriptor)
                unlink(temporary)
                throw error
            }
            offset += written
        }
        guard fsync(descriptor) == 0, close(descriptor) == 0 else {
            let error = Self.failure("cannot write '\(temporary)'")
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = Self.failure("cannot replace '\(path)'")
            unlink(temporary)
            throw error
        }
    }

    private static func failure(_ what: String) -> TrafficLogError {
        TrafficLogError(description: "\(what): \(String(cString: strerror(errno)))")
    }

    private static func rule(_ statement: RecordedStatement, matching: RecordedMatching) -> String {
        // `pgw serve` takes COPY data for a rule that matches a COPY … FROM STDIN as SQL and says no more. A
        // statement PostgreSQL's parser does not take has no fingerprint: it is matched exactly.
        let copiesIn = if case .copyIn = statement.outcome { true } else { false }
        let byFingerprint =
            copiesIn || (matching == .fingerprint && ServerEmulationResponder.fingerprint(statement.statement) != nil)
        let match = byFingerprint ? quoted(statement.statement) : "{exact: \(quoted(statement.statement))}"
        var text = "  - match: \(match)\n    times: 1\n"
        // A statement without bound values is matched by its text alone (serve compares `params` with the literal
        // constants of a statement that has none bound).
        if let parameters = statement.parameters, !parameters.isEmpty, matching == .exact {
            text += "    params: [\(parameters.map(value).joined(separator: ", "))]\n"
        }
        // Types a replaying client may leave to the server (asyncpg's), when they are not all text.
        if let types = statement.parameterTypes,
            case let names = types.compactMap(PostgresTypeNames.knownName(forOID:)),
            names.count == types.count, names.contains(where: { $0 != "text" })
        {
            text += "    param_types: [\(names.map(quoted).joined(separator: ", "))]\n"
        }
        if !statement.notices.isEmpty {
            text += "    notices:\n"
            for notice in statement.notices { text += "      - \(diagnostic(notice))\n" }
        }
        switch statement.outcome {
        case .result(let columns, let rows, let tag):
            let described = columns.map { "{name: \(quoted($0.name)), type: \(quoted($0.type))}" }
            text += "    columns: [\(described.joined(separator: ", "))]\n"
            text += "    rows:\(rows.isEmpty ? " []" : "")\n"
            for row in rows { text += "      - [\(row.map(value).joined(separator: ", "))]\n" }
            text += "    tag: \(quoted(tag))\n"
        case .command(let tag):
            text += "    tag: \(quoted(tag))\n"
        case .error(let diagnostic):
            if let delay = statement.delay { text += "    delay: \(delay.nanoseconds / 1_000_000)ms\n" }
            text += "    error: \(Self.diagnostic(diagnostic))\n"
        case .copyOut(let data):
            text += "    copy_out: \(quoted(data))\n"
        case .copyIn:
            break
        }
        if !statement.notifications.isEmpty {
            let entries = statement.notifications.map {
                "{channel: \(quoted($0.channel)), payload: \(quoted($0.payload))}"
            }
            text += "    notify: [\(entries.joined(separator: ", "))]\n"
        }
        return text
    }

    private static func diagnostic(_ message: DiagnosticMessage) -> String {
        var fields = [
            "severity: \(quoted(message.severity ?? "ERROR"))", "code: \(quoted(message.sqlState ?? "XX000"))",
            "message: \(quoted(message.message ?? ""))",
        ]
        if let detail = message[.detail] { fields.append("detail: \(quoted(detail))") }
        if let hint = message[.hint] { fields.append("hint: \(quoted(hint))") }
        if let position = message[.position], let index = Int(position), index > 0 {
            fields.append("position: \(index)")
        }
        // The fields that name the object (asyncpg's constraint_name, psycopg's diag.table_name), the context and
        // the source location, under the script's keys.
        for (key, code) in MockScript.diagnosticFields {
            if let value = message[code] { fields.append("\(key): \(quoted(value))") }
        }
        return "{\(fields.joined(separator: ", "))}"
    }

    private static func value(_ text: String?) -> String {
        text.map(quoted) ?? "null"
    }

    /// A YAML double-quoted scalar (JSON's string syntax, which YAML reads the same).
    static func quoted(_ text: String) -> String {
        RenderedValue.string(text).jsonText
    }
}

/// `write(2)`, named apart from ``ScriptRecording/write()``.
private func writeToDescriptor(_ descriptor: Int32, _ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
