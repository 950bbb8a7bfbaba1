import Logging
import NIOCore
import NIOPosix
import PostgresClient
import PostgresWire
import Testing

/// What happens after the opening: backpressure towards the server, handing the channel to a proxy, and the
/// connect timeout, against real PostgreSQL.
@Suite(.timeLimit(.minutes(3)))
struct ClientConnectionHandoverTests {
    /// While nobody reads the message stream, or before there is one, the server's rows wait in the socket: the
    /// backend is stuck in `ClientWrite`. Without backpressure the client would read all 20 MB and the backend
    /// would go idle.
    @Test(arguments: [true, false])
    func unreadMessagesWaitInTheSocket(streamFirst: Bool) async throws {
        let servers = try await ClientTestServers.running()
        let conninfo = "host=127.0.0.1 port=\(servers.plainPort) user=trust_user dbname=postgres sslmode=disable"
        let connection = try await RealPostgresClientTests.connect(conninfo)
        let observer = try await RealPostgresClientTests.connect(conninfo)
        let processID = try #require(connection.backendKey?.processID)
        let stream = streamFirst ? try await connection.messages() : nil
        try await connection.send(.query(Query("select repeat('x', 1000) from generate_series(1, 20000)")))
        func waitEvent() async throws -> String? {
            try await RealPostgresClientTests.query(
                "select wait_event from pg_stat_activity where pid = \(processID)", on: observer
            ).first ?? nil
        }
        var event: String?
        for _ in 0..<200 where event != "ClientWrite" {
            try await Task.sleep(for: .milliseconds(50))
            event = try await waitEvent()
        }
        #expect(event == "ClientWrite")
        // A second later it still waits: the client has not read on (without backpressure it would have read
        // all 20 MB by now, and the backend would be idle).
        try await Task.sleep(for: .seconds(1))
        #expect(try await waitEvent() == "ClientWrite")
        var rows = 0
        let messages: MessageStream<BackendMessage>
        if let stream { messages = stream } else { messages = try await connection.messages() }
        for try await message in messages {
            if case .dataRow = message { rows += 1 }
            if case .readyForQuery = message { break }
        }
        #expect(rows == 20000)
        await connection.close()
        await observer.close()
    }

    /// A proxy takes the channel over (TLS handler included) and speaks raw bytes on it.
    @Test func takenChannelCarriesRawBytesOverTLS() async throws {
        let servers = try await ClientTestServers.running()
        let connection = try await RealPostgresClientTests.connect(
            "host=127.0.0.1 port=\(servers.tlsPort) user=trust_user dbname=postgres sslmode=require")
        #expect(connection.tlsInfo != nil)
        let (channel, unprocessed) = try await connection.takeChannel()
        #expect(unprocessed.readableBytes == 0)
        let received = try await channel.eventLoop.flatSubmit {
            let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
            do {
                try channel.pipeline.syncOperations.addHandler(ReplyCollector(promise: promise))
            } catch {
                promise.fail(error)
            }
            var query = channel.allocator.buffer(capacity: 32)
            FrontendMessage.query(Query("select 42")).encode(into: &query)
            channel.writeAndFlush(query, promise: nil)
            return promise.futureResult
        }.get()
        var decoder = BackendMessageDecoder()
        decoder.observe(.startup(StartupMessage(parameters: [])))
        var bytes = received
        var values: [String] = []
        while let message = try decoder.decode(from: &bytes) {
            if case .dataRow(let row) = message, let value = row.columns.first ?? nil {
                values.append(String(buffer: value))
            }
        }
        #expect(values == ["42"])
        try await channel.close()
    }

    /// `connect_timeout` bounds a server that accepts the TCP connection but never answers.
    @Test func connectTimeoutGivesUpOnASilentServer() async throws {
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(silent.localAddress?.port)
        let started = ContinuousClock.now
        let error = try await #require(throws: PostgresClientError.self) {
            try await RealPostgresClientTests.connect(
                "host=127.0.0.1 port=\(port) user=x sslmode=disable connect_timeout=2")
        }
        let elapsed = ContinuousClock.now - started
        #expect(error.reason == .timedOut)
        // At least the timeout, and not a hang (generous for a loaded CI machine).
        #expect(elapsed >= .seconds(2) && elapsed < .seconds(20), "\(elapsed)")
        #expect("\(error)" == "connection to server at \"127.0.0.1\", port \(port) failed: timeout expired")
        try await silent.close()
    }
}

/// Collects the bytes read until they end with ReadyForQuery.
private final class ReplyCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<ByteBuffer>
    private var bytes = ByteBuffer()

    init(promise: EventLoopPromise<ByteBuffer>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        bytes.writeBuffer(&chunk)
        let view = bytes.readableBytesView
        if view.count >= 6, view.suffix(6).first == UInt8(ascii: "Z") {
            promise.succeed(bytes)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
    }
}
