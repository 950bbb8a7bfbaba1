import NIOCore
import NIOEmbedded
import PostgresTLS
import PostgresTestSupport

/// A client and a server `TLSHandler` on two embedded channels, with a pump that carries each side's
/// ciphertext to the other in random chunks.
final class EmbeddedTLSPair {
    /// One end of the pair.
    struct End {
        let channel: EmbeddedChannel
        let handler: TLSHandler
        let recorder = EventRecorder()
        let halfClose = HalfCloseSimulator()
        fileprivate(set) var deliveredHalfClose = false

        init(handler: TLSHandler) throws {
            self.handler = handler
            channel = EmbeddedChannel()
            try channel.pipeline.syncOperations.addHandlers([halfClose, handler, recorder])
        }
    }

    private(set) var client: End
    private(set) var server: End
    private var random: SeededRandomNumberGenerator
    private let chunkSizes: ClosedRange<Int>

    /// Connects both channels, which starts the handshake; nothing moves until ``pump()``.
    init(client: TLSHandler, server: TLSHandler, chunkSizes: ClosedRange<Int> = 1...4096, seed: UInt64 = 1) throws {
        self.client = try End(handler: client)
        self.server = try End(handler: server)
        self.random = SeededRandomNumberGenerator(seed: seed)
        self.chunkSizes = chunkSizes
        try self.server.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5432)).wait()
        try self.client.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5432)).wait()
    }

    /// Carries ciphertext both ways until neither side has anything more to send.
    func pump() throws {
        var moved = true
        while moved {
            let toServer = try carry(from: &client, to: server)
            let toClient = try carry(from: &server, to: client)
            moved = toServer || toClient
        }
    }

    /// Advances both embedded clocks, firing timers such as the shutdown timeout.
    func advanceTime(by amount: TimeAmount) {
        client.channel.embeddedEventLoop.advanceTime(by: amount)
        server.channel.embeddedEventLoop.advanceTime(by: amount)
    }

    private func carry(from source: inout End, to destination: End) throws -> Bool {
        var pending = ByteBuffer()
        while var buffer = try source.channel.readOutbound(as: ByteBuffer.self) {
            pending.writeBuffer(&buffer)
        }
        var moved = pending.readableBytes > 0
        while pending.readableBytes > 0, destination.channel.isActive {
            let size = min(pending.readableBytes, Int.random(in: chunkSizes, using: &random))
            try destination.channel.writeInbound(pending.readSlice(length: size)!)
        }
        if source.halfClose.outputClosed, !source.deliveredHalfClose, destination.channel.isActive {
            source.deliveredHalfClose = true
            destination.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            moved = true
        }
        return moved
    }
}
