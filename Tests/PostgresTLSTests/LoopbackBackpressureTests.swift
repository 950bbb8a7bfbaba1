import NIOCore
import NIOPosix
import PostgresTLS
import Testing

@Suite("TLS handlers over loopback: backpressure")
struct LoopbackBackpressureTests {
    /// Counts plaintext; reads only when told to, after one read to get the handshake going.
    final class ManualReader: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var received = 0
        var readingFreely = false

        func channelActive(context: ChannelHandlerContext) {
            context.read()
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += unwrapInboundIn(data).readableBytes
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            if readingFreely { context.read() }
        }
    }

    @Test("with auto-read off nothing is decrypted beyond what was asked for, and the writer becomes unwritable")
    func autoReadOff() async throws {
        let pki = try TestPKI.shared()
        let serverContext = try pki.serverContext()
        let accepted = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Channel.self)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        TLSHandler(serverContext: serverContext), ManualReader(),
                    ])
                    accepted.succeed(channel)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let clientContext = try pki.clientContext(.verifyFull)
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(clientContext: clientContext))
                }
            }
            .connect(host: "127.0.0.1", port: server.localAddress!.port!).get()

        let total = 64 << 20
        client.writeAndFlush(ByteBuffer(repeating: 7, count: total), promise: nil)
        try await Task.sleep(for: .milliseconds(500))
        let reader = try await accepted.futureResult.get()
        /// Runs `body` on the reader's event loop with its handlers.
        func onReader<T: Sendable>(_ body: @escaping @Sendable (ManualReader, TLSHandler) -> T) async throws -> T {
            try await reader.eventLoop.submit {
                let operations = reader.pipeline.syncOperations
                return try body(operations.handler(type: ManualReader.self), operations.handler(type: TLSHandler.self))
            }.get()
        }
        #expect(try await onReader { _, tls in tls.connectionInfo != nil })
        #expect(try await onReader { reader, _ in reader.received } < 1 << 20)
        #expect(!client.isWritable)

        try await onReader { handler, _ in
            handler.readingFreely = true
            reader.read()
        }
        for _ in 0..<500 where try await onReader({ handler, _ in handler.received }) < total {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await onReader { handler, _ in handler.received } == total)
        try await client.close()
        try await server.close()
    }
}
