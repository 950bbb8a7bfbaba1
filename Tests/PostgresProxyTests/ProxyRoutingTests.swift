import Foundation
import Logging
import PostgresClient
import PostgresGateway
import PostgresProxy
import PostgresTLS
import PostgresTestSupport
import Testing

/// SNI routing: psycopg connects to the proxy's address under different host names (`host=NAME hostaddr=127.0.0.1`,
/// so libpq sends NAME as the TLS server name) and lands on PostgreSQL or on a `pgw serve`; a name no route
/// matches gets FATAL 08004; a cancel reaches the upstream that issued the key.
@Suite(
    .postgresServer(
        PostgresServerFixture.Configuration(
            label: "proxy-route",
            hostBasedAuthentication: ["host all proxy_route 127.0.0.1/32 scram-sha-256"],
            roles: [.init(name: "proxy_route", password: "route-Secret", passwordEncryption: "scram-sha-256")])),
    .timeLimit(.minutes(2))
)
struct ProxyRoutingTests {
    /// Arguments: port, user, password. Prints, per name, whether `pgw serve` answered (its version() ends
    /// "on pgw"), the refusal of an unrouted name, and the outcome of a cancelled pg_sleep.
    static let script = """
        import sys, threading, time, psycopg
        port, user, password = sys.argv[1:4]
        def connect(name):
            return psycopg.connect(host=name, hostaddr="127.0.0.1", port=port, user=user, password=password,
                                   dbname="postgres", sslmode="require", connect_timeout=20)
        for name in ["pg.test", "localhost.serve.test", "PG.Test"]:
            with connect(name) as conn:
                print(name, "pgw" if conn.execute("select version()").fetchone()[0].endswith(" on pgw") else "postgres")
        try:
            connect("other.test")
            print("other.test connected")
        except psycopg.OperationalError as error:
            print("other.test refused:", 'no --route matches the server name "other.test"' in str(error))
        \(PythonClientScripts.cancelledSleep)
        with connect("pg.test") as conn:
            cancelled_sleep(conn)
        """

    @Test func serverNamePicksTheUpstream() async throws {
        let server = try PostgresServerTrait.server()
        let (serve, servePort) = try await ListeningProcess.start(
            try PGWExecutable.url(), ["serve", "--port", "0", "--log-level", "warning"])
        defer { serve.terminate() }
        let routes = try [
            UpstreamRoute(parsing: "pg.test=127.0.0.1:\(server.port)", environment: [:]),
            UpstreamRoute(parsing: "*.serve.test={1}:\(servePort)", environment: [:]),
        ]
        let harness = try await ProxyHarness.start(
            upstream: nil, routes: routes, format: .text, tls: try ProxyTestCertificates.clientLegTLS())
        let outcome = try await PythonClientScripts.run(
            Self.script, module: "psycopg", arguments: [String(harness.port), "proxy_route", "route-Secret"])
        // The client library sees the SQLSTATE that libpq does not show.
        var unrouted = "host=other.test hostaddr=127.0.0.1 port=\(harness.port) sslmode=require user=proxy_route"
        unrouted += " password=route-Secret dbname=postgres"
        // The hint asks for a name a route matches, from a client that sent none over TLS (an IP address as the
        // host): a host name, not an IP address, with sslsni=1; the routes themselves are named in the proxy's log
        // only, not to an unauthenticated client.
        await #expect {
            _ = try await PostgresClientConnection.connect(unrouted, logger: Logger(label: "test"))
        } throws: { error in
            let refusal = (error as? PostgresClientError)?.serverError
            return refusal?.sqlState == "08004"
                && refusal?[.hint] == "Connect with a host name that one of the proxy's routes matches."
                && refusal?[.hint]?.contains("serve.test") == false
        }
        let nameless = "host=127.0.0.1 port=\(harness.port) sslmode=require user=proxy_route password=x dbname=postgres"
        await #expect {
            _ = try await PostgresClientConnection.connect(nameless, logger: Logger(label: "test"))
        } throws: { error in
            let refusal = (error as? PostgresClientError)?.serverError
            return refusal?.sqlState == "08004"
                && refusal?[.hint]
                    == "The client sent no server name (SNI): connect with a host name (not an IP address) that one "
                    + "of the proxy's routes matches, with sslsni=1."
        }
        let log = try await harness.stop()
        let text = log.joined(separator: "\n")
        #expect(
            outcome.standardOutput
                == "pg.test postgres\nlocalhost.serve.test pgw\nPG.Test postgres\nother.test refused: True\n"
                + "cancelled 57014 True\n", "\(outcome)\n\(text)")
        #expect(text.contains("to localhost:\(servePort) user=proxy_route"), "\(text)")
        #expect(text.contains("SNI localhost.serve.test"), "\(text)")
        #expect(text.contains("to (no route) user=proxy_route"), "\(text)")
        #expect(text.contains("s: no --route matches the server name \"other.test\""), "\(text)")
        #expect(text.contains("(routes: pg.test, *.serve.test)"), "the log names the routes: \(text)")
        #expect(text.contains("CancelRequest forwarded to 127.0.0.1:\(server.port)"), "\(text)")
        // The proxy's own FATALs (psycopg's, and the two above) are logged as the server's ErrorResponse and counted
        // in the summary.
        #expect(log.filter { $0.contains(" B ErrorResponse FATAL 08004") }.count == 3, "\(text)")
        #expect(log.filter { $0.contains("(routes: pg.test, *.serve.test); ") && $0.hasSuffix(", 1 error") }.count == 3)
    }

    /// A `{1}` route and a server name whose first label is no host name's (`a_b`): psql is told that the name
    /// matched a route but its first label cannot be used as a host name, and, when `--upstream` is given, is
    /// relayed there with a note in the log saying why.
    @Test func firstLabelThatIsNoHostNameIsExplained() async throws {
        let server = try PostgresServerTrait.server()
        let routes = [try UpstreamRoute(parsing: "*.db.test={1}:\(server.port)", environment: [:])]
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSFILE"] = "/dev/null"
        environment["PGPASSWORD"] = "route-Secret"
        func psql(port: Int) async throws -> ProcessOutcome {
            try await SubprocessCommand(
                try server.installation.executable("psql"),
                [
                    "-X", "-w", "-At",
                    "host=a_b.db.test hostaddr=127.0.0.1 port=\(port) sslmode=require user=proxy_route dbname=postgres",
                    "-c", "SELECT 1",
                ],
                environment: environment
            ).run()
        }
        let unrouted = try await ProxyHarness.start(
            upstream: nil, routes: routes, format: .text, tls: try ProxyTestCertificates.clientLegTLS())
        let refused = try await psql(port: unrouted.port)
        let refusedLog = try await unrouted.stop().joined(separator: "\n")
        let fallback = try await ProxyHarness.start(
            upstream: UpstreamServer(host: "127.0.0.1", port: server.port), routes: routes, format: .text,
            tls: try ProxyTestCertificates.clientLegTLS())
        let relayed = try await psql(port: fallback.port)
        let relayedLog = try await fallback.stop().joined(separator: "\n")
        let reason =
            "the server name \"a_b.db.test\" matches a route, but its first label \"a_b\" cannot be used as a host "
            + "name (letters, digits and hyphens only)"
        #expect(!refused.succeeded && refused.standardError.contains(reason), "\(refused)")
        #expect(!refused.standardError.contains("no --route matches"), "\(refused)")
        #expect(refusedLog.contains("s: \(reason) (routes: *.db.test); "), "\(refusedLog)")
        #expect(relayed.succeeded && relayed.standardOutput == "1\n", "\(relayed)\n\(relayedLog)")
        #expect(
            relayedLog.contains("-- note: \(reason) for the route *.db.test: relayed to --upstream instead"),
            "\(relayedLog)")
    }

    /// A `{1}` route matches a name whose first label is no host name's, but says it cannot put that label in; a
    /// route without `{1}` puts nothing in and relays it.
    @Test func firstLabelThatIsNoHostNameMatchesButCannotBePutIn() throws {
        let route = try UpstreamRoute(parsing: "*.db.test={1}:5432", environment: [:])
        #expect(route.match(serverName: "A_B.db.test") == .unusableLabel("a_b"))
        #expect(route.match(serverName: "a_b.other.test") == nil)
        guard case .upstream(let upstream) = route.match(serverName: "orders.db.test") else {
            Issue.record("orders.db.test: no upstream")
            return
        }
        #expect(upstream.description == "orders:5432")
        let fixed = try UpstreamRoute(parsing: "*.db.test=127.0.0.1:5433", environment: [:])
        #expect(fixed.upstream(forServerName: "a_b.db.test")?.port == 5433, "without {1}, no label is put in")
        let configuration = ProxyConfiguration(upstream: UpstreamServer(host: "fallback", port: 1), routes: [route])
        let routing = configuration.routing(serverName: "a_b.db.test")
        #expect(routing.upstream?.host == "fallback")
        #expect(routing.unusableLabel?.route == route && routing.unusableLabel?.label == "a_b")
        #expect(configuration.routing(serverName: "orders.db.test").unusableLabel == nil)
    }

    @Test func routePatternsMatchOneLabelIgnoringCase() throws {
        let route = try UpstreamRoute(parsing: "*.DB.example.com={1}.internal:5432", environment: [:])
        #expect(route.upstream(forServerName: "Orders.db.example.com")?.description == "orders.internal:5432")
        #expect(route.upstream(forServerName: "orders.db.example.com.")?.description == "orders.internal:5432")
        #expect(route.upstream(forServerName: "db.example.com") == nil)
        #expect(route.upstream(forServerName: "orders.db.example.com..") == nil)
        #expect(route.upstream(forServerName: "a.b.db.example.com") == nil)
        #expect(route.upstream(forServerName: "x y.db.example.com") == nil, "not a DNS label")
        let conninfo = try UpstreamRoute(
            parsing: "*.example.com=host={1}.internal port=6543 sslmode=require", environment: [:])
        let upstream = try #require(conninfo.upstream(forServerName: "a.example.com"))
        #expect(upstream.description == "a.internal:6543" && upstream.requiresTLS)
        let exact = try UpstreamRoute(parsing: "db.example.com=127.0.0.1:5433", environment: [:])
        #expect(exact.upstream(forServerName: "DB.EXAMPLE.COM")?.port == 5433)
        #expect(exact.upstream(forServerName: "a.db.example.com") == nil)
        #expect(throws: (any Error).self) { try UpstreamRoute(parsing: "db.example.com", environment: [:]) }
        #expect(throws: (any Error).self) { try UpstreamRoute(parsing: "a.*.com=h:1", environment: [:]) }
        #expect(throws: (any Error).self) { try UpstreamRoute(parsing: "*.com=h:99999", environment: [:]) }
        let configuration = ProxyConfiguration(upstream: UpstreamServer(host: "fallback", port: 1), routes: [exact])
        #expect(configuration.upstream(forServerName: "db.example.com")?.port == 5433)
        #expect(configuration.upstream(forServerName: "other.com")?.host == "fallback")
        #expect(configuration.upstream(forServerName: nil)?.host == "fallback")
        #expect(ProxyConfiguration(upstream: nil, routes: [exact]).upstream(forServerName: nil) == nil)
    }
}
