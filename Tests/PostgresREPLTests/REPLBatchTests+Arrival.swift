import Foundation
import PostgresTestSupport
import Testing

/// A script on a pipe runs line by line as it arrives, as psql runs it: pgw connects at once and answers each line
/// before the next is written.
extension REPLBatchTests {
    @Test func runsEachLineAsItArrives() async throws {
        let server = try PostgresServerTrait.server()
        try await Self.withEmptyHome { _, environment in
            let repl = try REPLPipedProcess(
                [
                    "host=127.0.0.1 port=\(server.port) user=\(PostgresServerFixture.superuser) dbname=postgres",
                    "--timeout", "5",
                ], environment: environment)
            let login = try await repl.read(until: "B ReadyForQuery")
            #expect(login.contains("-- connected to"), "connected only after standard input ended: \(login)")
            try repl.write(#"Query "select 'first' as line""#)
            let first = try await repl.read(until: "B ReadyForQuery")
            #expect(first.contains(#"B DataRow ["first"]"#), "\(first)")
            try repl.write(#"Query "select 'second' as line""#)
            let second = try await repl.read(until: "B ReadyForQuery")
            #expect(second.contains(#"B DataRow ["second"]"#), "\(second)")
            let end = try await repl.finish()
            #expect(end.status == 0, "\(end)")
        }
    }
}
