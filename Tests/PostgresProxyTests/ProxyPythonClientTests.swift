import Foundation
import PostgresProxy
import PostgresTestSupport
import Testing

/// psycopg, asyncpg and pg8000 through `PostgresProxy`: the same output as direct, and a cancel that works.
@Suite(
    .postgresServer(
        PostgresServerFixture.Configuration(
            label: "proxy-python",
            hostBasedAuthentication: ["host all proxy_py 127.0.0.1/32 scram-sha-256"],
            roles: [.init(name: "proxy_py", password: "py-Secret", passwordEncryption: "scram-sha-256")])),
    .timeLimit(.minutes(3))
)
struct ProxyPythonClientTests {
    @Test(arguments: [
        ("psycopg", PythonClientScripts.psycopg), ("asyncpg", PythonClientScripts.asyncpg),
        ("pg8000", PythonClientScripts.pg8000),
    ])
    func clientGetsTheSameResultsAsDirect(module: String, script: String) async throws {
        let server = try PostgresServerTrait.server()
        let direct = try await Self.run(script, module: module, port: server.port)
        #expect(direct.succeeded, "\(direct)")
        let harness = try await ProxyHarness.start(upstreamPort: server.port, format: .text, capturing: true)
        defer { harness.removeFiles() }
        let proxied = try await Self.run(script, module: module, port: harness.port)
        let log = try await harness.stop()
        #expect(proxied.succeeded, "\(proxied)")
        #expect(proxied.standardOutput == direct.standardOutput)
        #expect(log.contains { $0.contains(" F Parse ") || $0.contains(" F Query ") })
        if module == "psycopg" {
            #expect(direct.standardOutput.contains("cancelled 57014 True"), "\(direct)")
            #expect(log.contains { $0.contains("F CancelRequest") }, "the CancelRequest is logged")
            #expect(log.contains { $0.contains("CancelRequest forwarded to 127.0.0.1:\(server.port)") })
            // Its connection is logged and captured as any other: opened, the CancelRequest, closed.
            #expect(
                log.contains { $0.contains("-- opened: client 127.0.0.1:") && $0.hasSuffix(" for a CancelRequest") },
                "\(log)")
            let captured = try await harness.capturedMessageTypes(serverPort: server.port)
            #expect(captured.values.contains(["Cancel request"]), "\(captured)")
            #expect(log.contains { $0.contains("B ErrorResponse ERROR 57014") })
            // The binary results show their values, as `pgw decode` shows them, in text and JSON.
            #expect(log.contains { $0.hasSuffix(" B DataRow [1.5, true]") }, "\(log)")
            let json = try await ProxyHarness.start(upstreamPort: server.port, format: .json)
            let again = try await Self.run(script, module: module, port: json.port)
            let jsonLog = try await json.stop()
            #expect(again.standardOutput == direct.standardOutput, "\(again)")
            #expect(
                jsonLog.contains {
                    $0.contains(
                        #""type":"DataRow""#)
                        && $0.contains(
                            #""columns":[{"hex":"3ff8000000000000","type":"float8","value":1.5},{"hex":"01","type":"bool","value":true}]"#
                        )
                }, "\(jsonLog.filter { $0.contains("DataRow") })")
        }
    }

    private static func run(_ script: String, module: String, port: Int) async throws -> ProcessOutcome {
        try await PythonClientScripts.run(
            script, module: module, arguments: ["127.0.0.1", String(port), "proxy_py", "py-Secret"])
    }
}
