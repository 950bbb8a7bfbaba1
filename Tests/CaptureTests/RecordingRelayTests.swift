import NIOCore
import NIOPosix
import PostgresWire
import Testing

/// The relay on its own, in front of a tiny NIO server instead of PostgreSQL.
@Suite(.timeLimit(.minutes(3)))
struct RecordingRelayTests {
    @Test("forwards both directions, propagates a client's half-close and records every byte")
    func halfCloseRoundTrip() async throws {
        let target = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let targetPort = try #require(target.channel.localAddress?.port)
        // Answers one connection once the client has finished sending: proof the half-close got through.
        let server = Task {
            try await target.executeThenClose { connections in
                for try await connection in connections {
                    try await connection.executeThenClose { inbound, outbound in
                        var received = ByteBuffer(string: "echo:")
                        for try await var chunk in inbound {
                            received.writeBuffer(&chunk)
                        }
                        try await outbound.write(received)
                    }
                    return
                }
            }
        }

        let relay = RecordingRelay(targetPort: targetPort)
        let relayPort = try await relay.start()
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: relayPort) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        let reply = try await client.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "hello"))
            try await outbound.write(ByteBuffer(string: ", relay"))
            outbound.finish()
            var reply = ByteBuffer()
            for try await var chunk in inbound {
                reply.writeBuffer(&chunk)
            }
            return String(buffer: reply)
        }
        try await server.value

        #expect(reply == "echo:hello, relay")
        try await relay.waitUntilAllConnectionsClosed(timeout: .seconds(10))
        let captures = await relay.captures()
        await relay.stop()
        #expect(captures.count == 1)
        let capture = try #require(captures.first)
        #expect(String(buffer: capture.frontend) == "hello, relay")
        #expect(String(buffer: capture.backend) == "echo:hello, relay")
        #expect(capture.segments.reduce(0) { $0 + $1.length } == 29)
        #expect(capture.segments.last?.direction == .backend)
    }
}
