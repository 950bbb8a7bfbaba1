import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresClient
import PostgresGateway
import PostgresWire
import Testing

/// The client against pgw's own server (`PostgresServer`), which speaks protocol 3.2.
struct GatewayProtocolTests {
    /// A gateway on a free loopback port with SCRAM logins (and TLS, required, when `tls`), recording the cancel
    /// requests it receives.
    /// The gateway waits this long for a client's TLS `close_notify`: long enough that a test telling a quick
    /// close from a timed-out one is not fooled by a slow machine.
    static let gatewayTLSShutdownTimeout = TimeAmount.seconds(30)

    static func startGateway(tls: Bool = false) async throws -> GatewayUnderTest {
        let cancelRequests = NIOLockedValueBox<[CancelRequest]>([])
        let serverNames = NIOLockedValueBox<[String?]>([])
        let hooks = PostgresServerConnectionHooks(
            onAuthenticated: { connection in
                serverNames.withLockedValue { $0.append(connection.state.tlsInfo?.serverName) }
            },
            onCancelRequest: { request, _ in cancelRequests.withLockedValue { $0.append(request) } }
        )
        .authenticating(passwords: ["alice": "secret"])
        .servingQueries(with: ServerEmulationResponder(serverVersion: "18.0 (pgw test)"))
        let server = try await PostgresServer.bind(
            host: "127.0.0.1", port: 0,
            configuration: PostgresServerConnectionConfiguration(
                serverVersion: "18.0 (pgw test)", authenticationMode: .scramSHA256,
                tls: tls ? .context(try ClientTestPKI.shared().serverContext()) : nil,
                tlsShutdownTimeout: gatewayTLSShutdownTimeout),
            hooks: hooks)
        return GatewayUnderTest(server: server, cancelRequests: cancelRequests, serverNames: serverNames)
    }

    @Test func protocol32IsNegotiatedWithAVariableLengthCancelKey() async throws {
        let gateway = try await Self.startGateway()
        let connection = try await gateway.connect("sslmode=disable max_protocol_version=3.2")
        #expect(connection.protocolVersion == .v3_2)
        let key = try #require(connection.backendKey)
        #expect(key.secretKey.count == 32)
        #expect(connection.serverParameters["server_version"] == "18.0 (pgw test)")

        try await connection.cancel()
        try await waitUntil { gateway.cancelRequests.withLockedValue { !$0.isEmpty } }
        #expect(
            gateway.cancelRequests.withLockedValue { $0 }
                == [CancelRequest(processID: key.processID, secretKey: key.secretKey)])
        await connection.close()
        await gateway.server.shutdown()
    }

    @Test func protocol30StaysTheDefault() async throws {
        let gateway = try await Self.startGateway()
        let connection = try await gateway.connect("sslmode=disable")
        #expect(connection.protocolVersion == .v3_0)
        #expect(connection.backendKey?.secretKey.count == 4)
        await connection.close()
        await gateway.server.shutdown()
    }

    /// `sslnegotiation=direct`: TLS at once with ALPN `postgresql` (PostgreSQL 17's direct TLS, which the gateway
    /// speaks), then SCRAM-SHA-256-PLUS; the cancel request goes the same way.
    @Test func directTLSWithALPN() async throws {
        let gateway = try await Self.startGateway(tls: true)
        let pki = try ClientTestPKI.shared()
        let connection = try await gateway.connect(
            "sslmode=verify-full sslnegotiation=direct sslrootcert=\(pki.path("ca.crt"))")
        #expect(connection.tlsInfo?.alpnProtocol == "postgresql")
        #expect(connection.session.isChannelBound)
        #expect(gateway.serverNames.withLockedValue { $0 } == ["localhost"], "the gateway saw the SNI name")
        try await connection.cancel()
        try await waitUntil { gateway.cancelRequests.withLockedValue { $0.count == 1 } }
        await connection.close()
        await gateway.server.shutdown()
    }

    /// `sslsni=0` sends no server name (outside `verify-full`, which needs it); the default sends the host name.
    @Test(arguments: [("1", "localhost"), ("0", nil)] as [(String, String?)])
    func sslsniDecidesWhetherTheNameIsSent(sslsni: String, expected: String?) async throws {
        let gateway = try await Self.startGateway(tls: true)
        let pki = try ClientTestPKI.shared()
        let connection = try await gateway.connect(
            "sslmode=verify-ca sslsni=\(sslsni) sslrootcert=\(pki.path("ca.crt"))")
        #expect(gateway.serverNames.withLockedValue { $0 } == [expected])
        await connection.close()
        await gateway.server.shutdown()
    }

    /// Closing over TLS exchanges `close_notify` with a server that waits for it (the gateway does): the client
    /// reads the server's even before anyone asked for messages, instead of running into the 5 s TLS shutdown
    /// timeout.
    /// A close that runs into the timeout always takes 5 s; a loaded machine can stall one quick close for seconds, so
    /// up to three connections are tried and one quick close suffices.
    @Test func closeOverTLSIsQuick() async throws {
        let gateway = try await Self.startGateway(tls: true)
        var durations: [Duration] = []
        for _ in 0..<3 {
            let connection = try await gateway.connect("sslmode=require")
            let started = ContinuousClock.now
            await connection.close()
            durations.append(ContinuousClock.now - started)
            if durations.last! < .seconds(4.5) { break }
        }
        #expect(durations.contains { $0 < .seconds(4.5) }, "the TLS shutdown timeout is 5 s: \(durations)")
        await gateway.server.shutdown()
    }

    /// A server shutting down while nobody reads the client's messages yet: the client still reads the FATAL and
    /// the TLS `close_notify` (a few bytes, well under what it buffers before a stream exists), so the server's
    /// shutdown is quick, and the stream made afterwards delivers the FATAL and ends.
    @Test func serverShutdownIsReadWithoutAStream() async throws {
        let gateway = try await Self.startGateway(tls: true)
        let connection = try await gateway.connect("sslmode=require")
        let started = ContinuousClock.now
        await gateway.server.shutdown()
        #expect(ContinuousClock.now - started < .seconds(25), "the gateway waits up to 30 s for close_notify")
        var received: [BackendMessage] = []
        do {
            for try await message in try await connection.messages() { received.append(message) }
        } catch {
            // The stream may end with the connection's TLS error; what it delivered before counts.
        }
        guard case .errorResponse(let fatal)? = received.first else {
            Issue.record("expected the FATAL, got \(received)")
            return
        }
        #expect(fatal.sqlState == "57P01")
        await connection.close()
    }

    /// Polls `condition` every 10 ms for up to 20 seconds (a saturated CI machine can take seconds).
    private func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<2000 where !condition() {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(condition())
    }
}

/// A gateway started by a test, with what its hooks recorded.
struct GatewayUnderTest {
    let server: PostgresServer
    /// The CancelRequests received.
    let cancelRequests: NIOLockedValueBox<[CancelRequest]>
    /// The TLS server name (SNI) of each authenticated connection.
    let serverNames: NIOLockedValueBox<[String?]>

    /// Connects as alice to `localhost` (127.0.0.1) on the gateway's port, with `options` added.
    func connect(_ options: String) async throws -> PostgresClientConnection {
        let port = try #require(server.localAddress?.port)
        return try await PostgresClientConnection.connect(
            ConnectionOptions(
                "host=localhost hostaddr=127.0.0.1 port=\(port) user=alice password=secret \(options)",
                environment: ["HOME": "/nonexistent"]),
            logger: Logger(label: "pgw.client.tests"))
    }
}
