import NIOCore
import PostgresTestSupport
import Testing

/// `pgw certs probe --timeout` bounds the whole probe, not each read.
@Suite("pgw certs probe --timeout")
struct CertsProbeTimeoutTests {
    @Test(
        "a server that trickles a byte every 1.5 s makes probe fail soon after the timeout, not at the 15 s kill",
        arguments: [false, true])
    func tricklingServer(direct: Bool) async throws {
        let server = try await TricklingServer.start(interval: .milliseconds(1500))
        // Without a bound on the whole probe it would run until this limit kills it.
        let outcome = try await SubprocessCommand(
            try PGWExecutable.url(),
            ["certs", "probe", "127.0.0.1:\(server.port)", "--timeout", "2"] + (direct ? ["--direct"] : []),
            timeout: .seconds(15)
        ).run()
        try await server.stop()
        #expect(outcome.status == 1 && !outcome.timedOut, "\(outcome)")
        #expect(outcome.standardError.contains("no answer within 2 seconds"), "\(outcome)")
        // Measured by the server, from accepting to the probe's closing: process start-up is not counted.
        var durations = server.connectionDurations.makeAsyncIterator()
        let connection = try #require(await durations.next())
        // A per-read bound would keep the connection until the 15 s kill; slack above the 2 s is for a loaded machine.
        #expect(connection < .seconds(6), "the connection lasted \(connection)")
    }

    @Test("--timeout outside 1…86400 is a usage error", arguments: ["0", "-1", "86401"])
    func timeoutOutOfRange(timeout: String) async throws {
        let outcome = try await PGWExecutable.run(["certs", "probe", "127.0.0.1:1", "--timeout", timeout])
        #expect(outcome.status == 64 && outcome.standardError.contains("--timeout"), "\(outcome)")
    }
}
