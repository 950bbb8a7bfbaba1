import NIOCore
import NIOEmbedded
import PostgresTLS
import Testing

@Suite("TLS handlers in memory: close_notify, half-closure and timeouts")
struct InMemoryShutdownTests {
    private func connectedPair() throws -> EmbeddedTLSPair {
        let pki = try TestPKI.shared()
        let pair = try EmbeddedTLSPair(
            client: TLSHandler(clientContext: pki.clientContext(.verifyFull)),
            server: TLSHandler(serverContext: pki.serverContext()))
        try pair.pump()
        try #require(pair.client.recorder.handshake != nil && pair.server.recorder.handshake != nil)
        return pair
    }

    @Test("closing either side exchanges close_notify and closes both cleanly", arguments: [true, false])
    func closeNotify(clientCloses: Bool) throws {
        let pair = try connectedPair()
        let (closer, peer) = clientCloses ? (pair.client, pair.server) : (pair.server, pair.client)
        peer.channel.writeAndFlush(ByteBuffer(string: "last words"), promise: nil)
        let closed = closer.channel.close()
        try pair.pump()

        try closed.wait()
        #expect(!closer.channel.isActive && !peer.channel.isActive)
        #expect(closer.recorder.received == ByteBuffer(string: "last words"))
        #expect(closer.recorder.errors.isEmpty && peer.recorder.errors.isEmpty)
    }

    @Test("close(mode: .output) half-closes: the peer sees inputClosed and can still answer")
    func halfClosure() throws {
        let pair = try connectedPair()
        try pair.server.channel.setOption(ChannelOptions.allowRemoteHalfClosure, value: true).wait()
        pair.client.channel.writeAndFlush(ByteBuffer(string: "request"), promise: nil)
        let outputClosed = pair.client.channel.close(mode: .output)
        try pair.pump()
        try outputClosed.wait()
        #expect(pair.server.recorder.received == ByteBuffer(string: "request"))
        #expect(pair.server.recorder.inputClosed)
        #expect(pair.client.halfClose.outputClosed)

        // Writes after the half-closure fail; the peer can still answer.
        #expect(throws: ChannelError.outputClosed) {
            try pair.client.channel.writeAndFlush(ByteBuffer(string: "more")).wait()
        }
        pair.server.channel.writeAndFlush(ByteBuffer(string: "response"), promise: nil)
        pair.server.channel.close(promise: nil)
        try pair.pump()
        #expect(pair.client.recorder.received == ByteBuffer(string: "response"))
        #expect(!pair.client.channel.isActive && !pair.server.channel.isActive)
        #expect(pair.client.recorder.errors.isEmpty && pair.server.recorder.errors.isEmpty)
    }

    @Test("a peer that never answers close_notify is cut off after the shutdown timeout")
    func shutdownTimeout() throws {
        let pair = try connectedPair()
        let closed = pair.client.channel.close()
        pair.advanceTime(by: .seconds(4))
        #expect(pair.client.channel.isActive)
        pair.advanceTime(by: .seconds(1))
        try closed.wait()
        #expect(!pair.client.channel.isActive)
        #expect(pair.client.recorder.tlsErrors == [.shutdownTimedOut])
    }

    @Test("the connection ending without close_notify is reported as an unclean shutdown")
    func uncleanShutdown() throws {
        let pair = try connectedPair()
        pair.server.channel.pipeline.fireChannelInactive()
        #expect(pair.server.recorder.tlsErrors == [.uncleanShutdown])
    }

    @Test("the connection ending mid-handshake is reported as such")
    func closedDuringHandshake() throws {
        let pki = try TestPKI.shared()
        let pair = try EmbeddedTLSPair(
            client: TLSHandler(clientContext: pki.clientContext(.verifyFull)),
            server: TLSHandler(serverContext: pki.serverContext()))
        pair.client.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(pair.client.recorder.tlsErrors == [.connectionClosedDuringHandshake])
        #expect(!pair.client.channel.isActive)
    }

    @Test("writes pending at a handshake failure fail with its error")
    func pendingWritesFail() throws {
        let pki = try TestPKI.shared()
        let pair = try EmbeddedTLSPair(
            client: TLSHandler(clientContext: pki.clientContext(.verifyCA, trusting: pki.otherAuthority)),
            server: TLSHandler(serverContext: pki.serverContext()))
        let written = pair.client.channel.writeAndFlush(ByteBuffer(string: "never sent"))
        try pair.pump()
        #expect(throws: TLSError.certificateVerificationFailed(reason: "unable to get local issuer certificate")) {
            try written.wait()
        }
    }
}
