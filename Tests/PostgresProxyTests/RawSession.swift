import NIOCore
import NIOPosix
import PostgresWire

/// A client that sends fixed bytes and collects everything the server sends until it closes, decoded.
enum RawSession {
    /// Connects to `127.0.0.1:port`, sends `messages`, and returns the server's messages once it closes.
    static func exchange(port: Int, sending messages: [FrontendMessage]) async throws -> [BackendMessage] {
        var bytes = ByteBuffer()
        for message in messages { message.encode(into: &bytes) }
        let received = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        var collected = ByteBuffer()
        try await received.executeThenClose { inbound, outbound in
            try await outbound.write(bytes)
            for try await var chunk in inbound { collected.writeBuffer(&chunk) }
        }
        var decoder = BackendMessageDecoder()
        for message in messages { decoder.observe(message) }
        var result: [BackendMessage] = []
        while let message = try decoder.decode(from: &collected) { result.append(message) }
        return result
    }
}
