// Serves an SQLite database over the PostgreSQL wire protocol: psql, psycopg, asyncpg or pg8000 run real
// queries against it, over the simple and the extended query protocol.
//
//   swift run SQLiteServerExample /tmp/demo.sqlite 6432
//   psql "host=127.0.0.1 port=6432 user=me" -c "create table t(id integer, name text)" -c "insert into t values (1, 'one')" -c "select * from t"
import CSQLite
import NIOConcurrencyHelpers
import PostgresGateway
import PostgresWire

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Runs statements on one SQLite connection, one at a time.
final class SQLiteResponder: QueryResponder, @unchecked Sendable {
    // The handle is only used under `lock`.
    private let database: OpaquePointer
    private let lock = NIOLock()

    init(path: String) {
        var handle: OpaquePointer?
        guard sqlite3_open(path, &handle) == SQLITE_OK, let handle else { fatalError("cannot open \(path)") }
        database = handle
    }

    func outcome(of statement: String, parameters: [String?], settings: [String: String]) -> QueryOutcome {
        lock.withLock {
            guard let prepared = prepare(statement) else { return error() }
            defer { sqlite3_finalize(prepared) }
            for (index, parameter) in parameters.enumerated() {
                let position = sqlite3_bind_parameter_index(prepared, "$\(index + 1)")
                guard position > 0 else { continue }
                if let parameter {
                    sqlite3_bind_text(prepared, position, parameter, -1, pgw_sqlite_transient())
                } else {
                    sqlite3_bind_null(prepared, position)
                }
            }
            let columns = Self.columns(of: prepared)
            var rows: [[String?]] = []
            while true {
                switch sqlite3_step(prepared) {
                case SQLITE_ROW:
                    rows.append(
                        (0..<Int32(columns.count)).map { index in
                            sqlite3_column_text(prepared, index).map { String(cString: $0) }
                        })
                case SQLITE_DONE:
                    let verb = statement.split(whereSeparator: \.isWhitespace).first?.uppercased() ?? ""
                    if !columns.isEmpty { return .rows(columns: columns, rows: rows, tag: "SELECT \(rows.count)") }
                    let changes = sqlite3_changes(database)
                    switch verb {
                    case "INSERT": return .command(tag: "INSERT 0 \(changes)")
                    case "UPDATE", "DELETE": return .command(tag: "\(verb) \(changes)")
                    case "CREATE", "DROP", "ALTER":
                        return .command(
                            tag: statement.split(whereSeparator: \.isWhitespace).prefix(2).joined(separator: " ")
                                .uppercased())
                    default: return .command(tag: verb)
                    }
                default:
                    return error()
                }
            }
        }
    }

    func columns(of statement: String, settings: [String: String]) -> [String]? {
        lock.withLock {
            guard let prepared = prepare(statement) else { return nil }
            defer { sqlite3_finalize(prepared) }
            let columns = Self.columns(of: prepared)
            return columns.isEmpty ? nil : columns
        }
    }

    private func prepare(_ statement: String) -> OpaquePointer? {
        var prepared: OpaquePointer?
        guard sqlite3_prepare_v2(database, statement, -1, &prepared, nil) == SQLITE_OK else { return nil }
        return prepared
    }

    private static func columns(of prepared: OpaquePointer) -> [String] {
        (0..<sqlite3_column_count(prepared)).map { String(cString: sqlite3_column_name(prepared, $0)) }
    }

    private func error() -> QueryOutcome {
        // SQLite's messages, under PostgreSQL's catch-all syntax_error_or_access_rule_violation class.
        .error(
            DiagnosticMessage(severity: "ERROR", sqlState: "42000", message: String(cString: sqlite3_errmsg(database))))
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
let path = arguments.first ?? ":memory:"
let port = arguments.dropFirst().first.flatMap { Int($0) } ?? 6432
let hooks = PostgresServerConnectionHooks().servingQueries(with: SQLiteResponder(path: path))
let server = try await PostgresServer.bind(
    port: port,
    configuration: PostgresServerConnectionConfiguration(
        serverVersion: "18.0 (SQLite \(String(cString: sqlite3_libversion())))"), hooks: hooks)
print("listening on 127.0.0.1:\(server.localAddress?.port ?? port)")
fflush(nil)  // scripts wait for the line above
try await Task.sleep(for: .seconds(365 * 24 * 3600))
