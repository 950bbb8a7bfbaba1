// A tiny psql: connects from a libpq connection string (plus the PG* environment and ~/.pgpass), runs one
// statement with the simple query protocol and prints the rows as `psql -XtA -F '|'` does.
//
//     swift run ClientExample "host=127.0.0.1 user=alice dbname=app" "select 1, 'one'"
import Foundation
import Logging
import PostgresClient
import PostgresWire

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: ClientExample CONNECTION-STRING SQL\n".utf8))
    exit(64)
}
do {
    let connection = try await PostgresClientConnection.connect(arguments[1], logger: Logger(label: "ClientExample"))
    let messages = try await connection.messages()
    try await connection.send(.query(Query(arguments[2])))
    var failed = false
    for try await message in messages {
        switch message {
        case .dataRow(let row):
            print(row.columns.map { $0.map { String(buffer: $0) } ?? "" }.joined(separator: "|"))
        case .errorResponse(let error):
            FileHandle.standardError.write(Data("\(PostgresClientError(.server(error)).reasonDescription)\n".utf8))
            failed = true
        case .readyForQuery:
            await connection.close()
            exit(failed ? 1 : 0)
        default:
            break
        }
    }
    FileHandle.standardError.write(Data("ClientExample: the server closed the connection\n".utf8))
    exit(1)
} catch {
    FileHandle.standardError.write(Data("ClientExample: \(error)\n".utf8))
    exit(1)
}
