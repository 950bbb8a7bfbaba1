import PostgresWire

/// Answers like PostgreSQL without a database: session plumbing, constant SELECTs and catalog queries, and echoes
/// every other statement back (or answers it as ``UnmatchedStatementPolicy`` says); `COPY … FROM STDIN` takes the
/// client's data unless unmatched statements are errors.
///
/// Each statement goes through PostgreSQL's own parser (``SQLParser``), so every grammatical form of SET, SHOW,
/// RESET, DISCARD, BEGIN/COMMIT/ROLLBACK/SAVEPOINT, PREPARE and DEALLOCATE is understood, and a statement that does
/// not parse gets PostgreSQL's `42601 syntax error at or near …` with its position. SELECTs without FROM are
/// evaluated with proper types (`select 1/0` fails with 22012); SELECTs that read only catalogs (`pg_catalog`,
/// `information_schema`) return no rows with the columns and types of their select list.
public struct ServerEmulationResponder: QueryResponder {
    /// The server version reported by `SELECT version()` when the session has no `server_version` setting.
    public var serverVersion: String
    /// What statements nothing else answers get.
    public var unmatched: UnmatchedStatementPolicy

    /// A responder reporting `serverVersion`, answering unmatched statements as `unmatched` says.
    public init(serverVersion: String, unmatched: UnmatchedStatementPolicy = .echo) {
        self.serverVersion = serverVersion
        self.unmatched = unmatched
    }

    public func outcome(of statement: String, parameters: [String?], settings: [String: String]) -> QueryOutcome {
        outcome(of: statement, parameters: parameters, parameterTypes: [], settings: settings)
    }

    public func outcome(
        of statement: String, parameters: [String?], parameterTypes: [UInt32], settings: [String: String]
    ) -> QueryOutcome {
        let parsed: ParsedStatement
        do {
            parsed = try SQLParser.parse(statement)
        } catch {
            return .error(error.diagnostic())
        }
        return answer(to: parsed, parameters: parameters, parameterTypes: parameterTypes, settings: settings)
            ?? unmatchedOutcome(of: parsed, statement: statement, parameters: parameters)
    }

    public func resultColumns(of statement: String, settings: [String: String]) -> [ResultColumn]? {
        resultColumns(of: statement, parameterTypes: [], settings: settings)
    }

    public func resultColumns(of statement: String, parameterTypes: [UInt32], settings: [String: String])
        -> [ResultColumn]?
    {
        guard let parsed = try? SQLParser.parse(statement) else { return nil }
        switch parsed.kind {
        case .select(_, let readsCatalog, let hasFrom, _):
            if !hasFrom || readsCatalog {
                let parameters = [String?](repeating: nil, count: parsed.highestParameter)
                let outcome = answer(
                    to: parsed, parameters: parameters, parameterTypes: parameterTypes, settings: settings)
                if let columns = outcome?.resultColumns { return columns }
            }
        case .show, .typeInfoLookup:
            return answer(to: parsed, parameters: [], parameterTypes: [], settings: settings)?.resultColumns
        default:
            break
        }
        return unmatchedOutcome(of: parsed, statement: statement, parameters: []).resultColumns
    }

    /// The fingerprint a script rule's `match` compares (`pg_query_fingerprint`), `nil` for text PostgreSQL's parser
    /// does not take.
    public static func fingerprint(_ statement: String) -> String? {
        SQLParser.fingerprint(statement)
    }

    /// Whether `statement` changes the session itself (transaction control, SET, SET CONSTRAINTS, RESET, DISCARD): a
    /// mock server applies its effect as PostgreSQL does, even when a script rule answers it, so a recording can leave
    /// it out.
    public static func isSessionControl(_ statement: String) -> Bool {
        (try? SQLParser.parse(statement))?.kind.isSessionControl ?? false
    }

    /// The cursor command `statement` is, which a mock server answers from its session's cursors (asking a script
    /// only for a DECLARE's query); `nil` for other statements, and for a DECLARE whose query is not found (a mock
    /// server asks the script for the whole DECLARE).
    public static func cursorCommand(_ statement: String) -> CursorCommand? {
        switch (try? SQLParser.parse(statement))?.kind {
        case .declareCursor(let name, let options):
            guard let query = QuerySession.cursorQuery(in: statement) else { return nil }
            return .declare(name: name, query: query, isHoldable: options.isHoldable)
        case .fetch(let name, let direction, let count, let isMove):
            return .fetch(name: name, direction: direction, count: count, isMove: isMove)
        case .closeCursor(let name):
            return .close(name: name)
        default:
            return nil
        }
    }

    /// The channel and payload of `statement` when it is `NOTIFY channel [, 'payload']`, which a session that
    /// listens to the channel delivers to itself (even when a script rule answers the NOTIFY), else `nil`.
    public static func notification(of statement: String) -> (channel: String, payload: String)? {
        guard case .notify(let channel, let payload) = (try? SQLParser.parse(statement))?.kind else { return nil }
        return (channel, payload)
    }

    /// The answer PostgreSQL would give without any table, `nil` for statements that need data (unmatched ones);
    /// `parameterTypes` are the parameters' OIDs (0 or missing: text).
    func answer(
        to parsed: ParsedStatement, parameters: [String?], parameterTypes: [UInt32], settings: [String: String]
    ) -> QueryOutcome? {
        switch parsed.kind {
        case .empty:
            return .empty
        case .transaction(let command):
            let effect: QueryOutcome.SessionEffect =
                switch command {
                case .begin(let characteristics): .beginTransaction(characteristics: characteristics)
                case .commit(let chain): .commit(chain: chain)
                case .rollback(let chain): .rollback(chain: chain)
                case .savepoint(let name): .savepoint(name)
                case .release(let name): .releaseSavepoint(name)
                case .rollbackToSavepoint(let name): .rollbackToSavepoint(name)
                case .prepareTransaction, .commitPrepared, .rollbackPrepared: .none
                }
            return .command(tag: parsed.tag, effect: effect)
        case .set(let name, let value, let isLocal):
            guard let value else { return .command(tag: "SET", effect: .reset(name: name)) }
            return .command(tag: "SET", effect: isLocal ? .setLocal([name: value]) : .set([name: value]))
        case .setMany(let changes):
            return .command(
                tag: "SET", effect: .set(Dictionary(changes.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })))
        case .setTransaction(let changes):
            return .command(
                tag: "SET",
                effect: .setTransaction(Dictionary(changes.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })))
        case .setConstraints:
            return .command(tag: parsed.tag, effect: .setConstraints)
        case .reset(let name):
            return .command(tag: parsed.tag, effect: .reset(name: name))
        case .resetAll:
            return .command(tag: parsed.tag, effect: .resetAll)
        case .discard(let all):
            return .command(tag: parsed.tag, effect: all ? .discardAll : .none)
        case .show(let name):
            return show(name, settings: settings)
        case .prepare, .deallocate:
            return .command(tag: parsed.tag)
        case .typeInfoLookup:
            return TypeInfoLookup.outcome(oids: parameters.first ?? nil)
        case .select(let targets, let readsCatalog, let hasFrom, let rowCondition):
            // The answer computed once holds for every session when no setting changes it (`select 1`: the settings
            // need no look), else for sessions whose settings print values as the defaults do.
            if parsed.constantAnswerIgnoresOutputSettings, let answer = parsed.constantAnswer { return answer }
            let output = OutputSettings(settings)
            if !hasFrom,
                let outcome = (output == .standard ? parsed.constantAnswer : nil)
                    ?? Self.evaluate(
                        targets, rowCondition: rowCondition,
                        with: ConstantEvaluator(
                            settings: settings, parameters: parameters, parameterTypes: parameterTypes,
                            serverVersion: serverVersion, output: output))
            {
                return outcome
            }
            guard readsCatalog else { return nil }
            return .result(columns: Self.emptyResultColumns(targets), rows: [], tag: "SELECT 0")
        case .listen, .unlisten, .notify:
            // Session housekeeping (asyncpg's pool resets a connection with UNLISTEN *); the session keeps the
            // channels and delivers a NOTIFY on one it listens to.
            return .command(tag: parsed.tag)
        case .closeCursor(nil):
            // The session closes its cursors (asyncpg's pool reset sends CLOSE ALL).
            return .command(tag: "CLOSE CURSOR ALL")
        case .other, .copyFromStdin, .copyToStdout, .executePrepared, .declareCursor, .fetch, .closeCursor:
            return nil
        }
    }

    /// The answer to a SELECT without FROM whose select list holds literals only (no parameter, function or
    /// column), the same in every session with the default ``OutputSettings``; `nil` for other statements.
    static func constantAnswer(to kind: StatementKind, output: OutputSettings = .standard) -> QueryOutcome? {
        guard case .select(let targets, _, hasFrom: false, let rowCondition) = kind,
            targets.allSatisfy(\.expression.isLiteral), rowCondition?.isLiteral ?? true
        else {
            return nil
        }
        return evaluate(
            targets, rowCondition: rowCondition,
            with: ConstantEvaluator(
                settings: [:], parameters: [], parameterTypes: [], serverVersion: "", output: output))
    }

    /// A constant select list's one row; `nil` when it uses something the engine does not evaluate.
    private static func evaluate(
        _ targets: [StatementKind.SelectTarget], rowCondition: SQLExpression?, with evaluator: ConstantEvaluator
    ) -> QueryOutcome? {
        var columns: [ResultColumn] = []
        var row: [String?] = []
        do {
            for target in targets {
                let value = try evaluator.evaluate(target.expression)
                columns.append(ResultColumn(name: target.name, type: value.type, typeModifier: value.typeModifier))
                row.append(try evaluator.outputText(of: value))
            }
            // Evaluated even when no row is returned, as PostgreSQL folds constants (`select 1/0 where false` fails).
            var keepsRow = true
            if let rowCondition { keepsRow = try evaluator.evaluate(rowCondition).text == "t" }
            return .result(columns: columns, rows: keepsRow ? [row] : [], tag: keepsRow ? "SELECT 1" : "SELECT 0")
        } catch .error(let diagnostic) {
            return .error(diagnostic)
        } catch {
            return nil
        }
    }

    /// The columns of an empty answer to a select list: each target's name and type, without the `*` ones (whose
    /// columns are a table's, which the engine does not know).
    private static func emptyResultColumns(_ targets: [StatementKind.SelectTarget]) -> [ResultColumn] {
        targets.filter { $0.expression != .column("*") }.map {
            ResultColumn(name: $0.name, type: CatalogColumnTypes.type(of: $0))
        }
    }

    /// SHOW name, SHOW ALL: the session's settings, else PostgreSQL 15's defaults.
    private func show(_ name: String, settings: [String: String]) -> QueryOutcome {
        if name == "all" {
            var all = PostgresSettingDefaults.byLowercasedName
            for (name, value) in settings where !ServerSettings.hiddenKeys.contains(name) {
                all[name.lowercased()] = (name, value)
            }
            let rows = all.sorted { $0.key < $1.key }.map { [$0.value.name, $0.value.value, ""] }
            let columns = ["name", "setting", "description"].map { ResultColumn(name: $0, type: .text) }
            return .result(columns: columns, rows: rows, tag: "SHOW")
        }
        let canonical = ServerSettings.canonicalName(name, in: settings)
        let preset = settings[canonical] == nil ? PostgresSettingDefaults.byLowercasedName[name.lowercased()] : nil
        guard !ServerSettings.hiddenKeys.contains(canonical), let value = settings[canonical] ?? preset?.value else {
            return .error(
                DiagnosticMessage(
                    severity: "ERROR", sqlState: "42704", message: "unrecognized configuration parameter \"\(name)\""))
        }
        return .result(
            columns: [ResultColumn(name: preset?.name ?? canonical, type: .text)], rows: [[value]], tag: "SHOW")
    }

    /// What ``unmatched`` says for a statement nothing else answers; an error says `reason` (why no rule answers it,
    /// as the `--verify` report gives it) in its HINT.
    func unmatchedOutcome(
        of parsed: ParsedStatement, statement: String, parameters: [String?], reason: String? = nil
    ) -> QueryOutcome {
        if case .copyFromStdin(let columns, let format) = parsed.kind, unmatched != .error {
            // The data is taken (and counted), whatever the policy says about rows.
            return .copyIn(columns: columns, format: format)
        }
        if case .copyToStdout(let columns, let format, let delimiter) = parsed.kind, unmatched != .error {
            // No rows, as from a table without any: clients reading the COPY (asyncpg's copy_from_query) get it.
            return .emptyCopyOut(columns: columns, format: format, delimiter: delimiter)
        }
        switch unmatched {
        case .echo:
            // A statement that never returns rows in PostgreSQL completes with its tag: a row would fail a client
            // that expects none (pgbench's VACUUM, JDBC's executeUpdate).
            guard parsed.rowColumns != nil else { return .command(tag: parsed.tag) }
            // With the statement's own tag for its one row (INSERT 0 1 for an INSERT … RETURNING).
            return .rows(
                columns: ["echo"], rows: [[Self.substitute(parameters, into: statement)]],
                tag: CommandTags.tag(parsed.tag, rows: 1))
        case .empty:
            if case .select(let targets, _, _, _) = parsed.kind {
                return .result(columns: Self.emptyResultColumns(targets), rows: [], tag: "SELECT 0")
            }
            // Rows with the statement's columns (none), so that clients reading them find a result.
            guard let columns = parsed.rowColumns else { return .command(tag: parsed.tag) }
            return .result(columns: columns, rows: [], tag: parsed.tag)
        case .error:
            // The statement whole up to a bound, as PostgreSQL sends long error fields; a cut is marked.
            var detail = statement
            var hints = reason.map { [$0.prefix(1).uppercased() + $0.dropFirst() + "."] } ?? []
            if statement.utf8.count > Self.longestStatementInError {
                // Whole characters, and room for the marker's three bytes.
                var bytes = 0
                detail =
                    statement.prefix { character in
                        bytes += character.utf8.count
                        return bytes <= Self.longestStatementInError - "…".utf8.count
                    } + "…"
                hints.append("The statement is cut here; pgw serve's --verify report and --log file hold it whole.")
            }
            return .error(
                DiagnosticMessage(
                    severity: "ERROR", sqlState: "0A000", message: "pgw: no rule answers this statement",
                    detail: detail, hint: hints.isEmpty ? nil : hints.joined(separator: " ")))
        }
    }

    /// The most bytes of a statement an unmatched statement's error shows (its DETAIL, `…` included).
    static let longestStatementInError = 8_192

    /// Replaces `$1`, `$2`, … with the parameters as SQL literals, in one pass over the statement (replacing each parameter in turn over the whole text took a minute for a
    /// Bind of 10,000); a `$n` beyond the parameters stays as it is.
    static func substitute(_ parameters: [String?], into statement: String) -> String {
        guard !parameters.isEmpty else { return statement }
        var result = ""
        result.reserveCapacity(statement.utf8.count)
        var rest = statement[...]
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let afterDollar = rest.index(after: dollar)
            let digits = rest[afterDollar...].prefix { $0.isASCII && $0.isNumber }
            guard let number = Int(digits), (1...parameters.count).contains(number) else {
                result += "$"
                rest = rest[afterDollar...]
                continue
            }
            result += parameters[number - 1].map { "'" + $0.replacing("'", with: "''") + "'" } ?? "NULL"
            rest = rest[digits.endIndex...]
        }
        return result + rest
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
