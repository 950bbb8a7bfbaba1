import NIOCore
import NIOPosix
import PostgresWire

/// A client that sends fixed messages and collects everything the server sends until it closes, decoded.
enum RawSession {
    /// Connects to `127.0.0.1:port` and sends each step's messages, waiting for an answer after every step but the
    /// last (as after SSLRequest); returns the server's messages once it closes.
    static func exchange(port: Int, steps: [[FrontendMessage]]) async throws -> [BackendMessage] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        var collected = ByteBuffer()
        try await channel.executeThenClose { inbound, outbound in
            var received = inbound.makeAsyncIterator()
            for (index, step) in steps.enumerated() {
                var bytes = ByteBuffer()
                for message in step { message.encode(into: &bytes) }
                try await outbound.write(bytes)
                if index < steps.count - 1, var answer = try await received.next() { collected.writeBuffer(&answer) }
            }
            while var chunk = try await received.next() { collected.writeBuffer(&chunk) }
        }
        var decoder = BackendMessageDecoder()
        for message in steps.joined() { decoder.observe(message) }
        var result: [BackendMessage] = []
        while let message = try decoder.decode(from: &collected) { result.append(message) }
        return result
    }

    /// Connects to `127.0.0.1:port` and sends each step's bytes, reading an answer after every step but the last;
    /// then reads until the server closes (`waitsForClose`) or closes at once after reading the last step's answer.
    /// Returns every byte the server sent.
    static func exchangeBytes(port: Int, steps: [[UInt8]], waitsForClose: Bool = true) async throws -> [UInt8] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        var collected: [UInt8] = []
        try await channel.executeThenClose { inbound, outbound in
            var received = inbound.makeAsyncIterator()
            for (index, step) in steps.enumerated() {
                try await outbound.write(ByteBuffer(bytes: step))
                if index < steps.count - 1 || !waitsForClose, let answer = try await received.next() {
                    collected += answer.readableBytesView
                }
            }
            guard waitsForClose else { return }
            while let chunk = try await received.next() { collected += chunk.readableBytesView }
        }
        return collected
    }
}
