import NIOCore
import NIOEmbedded
import PostgresTLS
import Testing

@Suite("TLS handlers in memory: handshake and data")
struct InMemoryTransferTests {
    @Test(
        "payloads cross both ways in random chunking",
        arguments: [(1, 1...3), (16 * 1024, 1...700), (64 * 1024 * 1024, 1...131_072)])
    func payloads(size: Int, chunkSizes: ClosedRange<Int>) throws {
        let pki = try TestPKI.shared()
        let pair = try EmbeddedTLSPair(
            client: TLSHandler(clientContext: pki.clientContext(.verifyFull)),
            server: TLSHandler(serverContext: pki.serverContext()),
            chunkSizes: chunkSizes, seed: UInt64(size))
        let upload = Payload.random(count: size, seed: 1)
        let download = Payload.random(count: size, seed: 2)
        // Written before the handshake: held back until it completes.
        pair.client.channel.writeAndFlush(upload, promise: nil)
        try pair.pump()
        pair.server.channel.writeAndFlush(download, promise: nil)
        try pair.pump()

        #expect(Payload.equal(pair.server.recorder.received, upload))
        #expect(Payload.equal(pair.client.recorder.received, download))
        #expect(pair.client.recorder.errors.isEmpty && pair.server.recorder.errors.isEmpty)
    }

    @Test("both sides report the handshake's facts")
    func handshakeFacts() throws {
        let pki = try TestPKI.shared()
        let pair = try EmbeddedTLSPair(
            client: TLSHandler(
                clientContext: pki.clientContext(.verifyFull, serverName: "db1.pgw.test", identity: pki.client)),
            server: TLSHandler(
                serverContext: pki.serverContext(
                    clientCertificates: .required(trustRoots: .pemFile(pki.path("ca.crt"))))))
        try pair.pump()

        let server = try #require(pair.server.recorder.handshake)
        let client = try #require(pair.client.recorder.handshake)
        #expect(server.serverName == "db1.pgw.test")
        #expect(client.serverName == "db1.pgw.test")
        #expect(server.protocolVersion == "TLSv1.3" && client.protocolVersion == "TLSv1.3")
        #expect(server.cipher == client.cipher && server.cipher.hasPrefix("TLS_"))
        #expect(server.alpnProtocol == "postgresql" && client.alpnProtocol == "postgresql")
        #expect(server.peerCertificate?.commonName == "alice")
        #expect(server.peerCertificate?.subject == "CN=alice,O=pgw")
        // OpenSSL completes the client's chain from its trust store, as libpq's does.
        #expect(server.peerCertificateChain.map(\.commonName) == ["alice", "pgw test CA"])
        #expect(client.peerCertificate?.commonName == "localhost")
        #expect(client.peerCertificate?.subjectAlternativeNames.contains(.ipAddress("127.0.0.1")) == true)
        let binding = try #require(pki.server.certificateChain[0].tlsServerEndPoint)
        #expect(server.tlsServerEndPoint == binding && client.tlsServerEndPoint == binding)
        #expect(pair.server.handler.connectionInfo == server)
    }

    @Test("a handler added to an active channel takes ClientHello bytes passed on to it")
    func addedToActiveChannel() throws {
        let pki = try TestPKI.shared()
        let client = EmbeddedChannel()
        let clientRecorder = EventRecorder()
        try client.pipeline.syncOperations.addHandlers([
            TLSHandler(clientContext: pki.clientContext(.verifyFull)), clientRecorder,
        ])
        try client.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5432)).wait()
        let clientHello = try #require(try client.readOutbound(as: ByteBuffer.self))

        // The gateway reads the first bytes itself, then installs TLS and forwards them.
        let server = EmbeddedChannel()
        try server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5432)).wait()
        let serverRecorder = EventRecorder()
        try server.pipeline.syncOperations.addHandlers([
            TLSHandler(serverContext: pki.serverContext()), serverRecorder,
        ])
        server.pipeline.fireChannelRead(clientHello)
        while let flight = try server.readOutbound(as: ByteBuffer.self) {
            try client.writeInbound(flight)
        }
        while let flight = try client.readOutbound(as: ByteBuffer.self) {
            try server.writeInbound(flight)
        }
        #expect(serverRecorder.handshake != nil && clientRecorder.handshake != nil)
    }

    @Test("client modes: require skips verification, verify-full accepts an IP address SAN")
    func clientModes() throws {
        let pki = try TestPKI.shared()
        let cases: [(TLSClientContext, String?)] = [
            (try pki.clientContext(.require, trusting: pki.otherAuthority), nil),
            (try pki.clientContext(.verifyCA, serverName: "wrong.example"), nil),
            (try pki.clientContext(.verifyFull, serverName: "127.0.0.1"), nil),
            (try pki.clientContext(.verifyFull, serverName: nil), "localhost"),
        ]
        for (context, serverName) in cases {
            let pair = try EmbeddedTLSPair(
                client: TLSHandler(clientContext: context, serverName: serverName),
                server: TLSHandler(serverContext: pki.serverContext()))
            try pair.pump()
            #expect(pair.client.recorder.handshake != nil, "\(context.configuration.mode)")
            #expect(pair.client.recorder.errors.isEmpty, "\(context.configuration.mode)")
        }
        #expect(throws: TLSError.missingServerName) {
            try TLSHandler(clientContext: pki.clientContext(.verifyFull, serverName: nil))
        }
    }

    @Test("the key log receives the TLS 1.3 secrets in SSLKEYLOGFILE format")
    func keyLog() throws {
        let pki = try TestPKI.shared()
        let path = pki.path("keylog-\(UInt64.random(in: 0...UInt64.max)).txt")
        let pair = try EmbeddedTLSPair(
            client: TLSHandler(clientContext: pki.clientContext(.verifyFull)),
            server: TLSHandler(serverContext: pki.serverContext(keyLog: TLSKeyLog(path: path))))
        try pair.pump()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let labels = Set(lines.map { $0.split(separator: " ")[0] })
        #expect(
            labels == [
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
                "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET",
            ])
        #expect(lines.allSatisfy { $0.split(separator: " ").count == 3 })
    }

    @Test("handlers and their SSL objects are freed once the channels close")
    func freedAfterClose() throws {
        let pki = try TestPKI.shared()
        weak var clientHandler: TLSHandler?
        weak var serverHandler: TLSHandler?
        try {
            let pair = try EmbeddedTLSPair(
                client: TLSHandler(clientContext: pki.clientContext(.verifyFull)),
                server: TLSHandler(serverContext: pki.serverContext()))
            clientHandler = pair.client.handler
            serverHandler = pair.server.handler
            try pair.pump()
            pair.client.channel.close(promise: nil)
            try pair.pump()
            pair.client.channel.embeddedEventLoop.run()
            pair.server.channel.embeddedEventLoop.run()
        }()
        #expect(clientHandler == nil && serverHandler == nil)
    }
}
