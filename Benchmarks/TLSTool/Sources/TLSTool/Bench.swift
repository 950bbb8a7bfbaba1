import NIOCore
import NIOPosix
import PostgresTLS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A TLS server and client on loopback, each on its own event-loop thread.
struct Bench {
    let pki: BenchmarkPKI
    let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Sends `bytes` from client to server and returns MB/s (10^6 bytes per second).
    func bulk(bytes: Int) async throws -> Double {
        let serverContext = try pki.serverContext()
        let done = serverGroup.next().makePromise(of: Void.self)
        let server = try await ServerBootstrap(group: serverGroup)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        TLSHandler(serverContext: serverContext), Sink(target: bytes, done: done),
                    ])
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let clientContext = try pki.clientContext()
        let start = ContinuousClock.now
        let client = try await ClientBootstrap(group: clientGroup)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        TLSHandler(clientContext: clientContext), Source(total: bytes),
                    ])
                }
            }
            .connect(host: "127.0.0.1", port: server.localAddress!.port!).get()
        try await done.futureResult.get()
        let elapsed = ContinuousClock.now - start
        try await client.close()
        try await server.close()
        return Double(bytes) / seconds(elapsed) / 1e6
    }

    /// Runs `count` full handshakes one after another, calling `progress` after each; returns handshakes/s.
    func handshakes(count: Int, progress: (Int) -> Void = { _ in }) async throws -> Double {
        let serverContext = try pki.serverContext()
        let server = try await ServerBootstrap(group: serverGroup)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(serverContext: serverContext))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let clientContext = try pki.clientContext()
        let port = server.localAddress!.port!
        let start = ContinuousClock.now
        for index in 1...count {
            let done = clientGroup.next().makePromise(of: Void.self)
            _ = try await ClientBootstrap(group: clientGroup)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers([
                            TLSHandler(clientContext: clientContext), Handshaker(done: done),
                        ])
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
            try await done.futureResult.get()
            progress(index)
        }
        let elapsed = ContinuousClock.now - start
        try await server.close()
        return Double(count) / seconds(elapsed)
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// This process's resident set size in KiB, from `/proc/self/status`.
    static func residentKiB() -> Int {
        guard let file = fopen("/proc/self/status", "r") else { return -1 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("VmRSS:") {
                return Int(text.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
            }
        }
        return -1
    }
}
