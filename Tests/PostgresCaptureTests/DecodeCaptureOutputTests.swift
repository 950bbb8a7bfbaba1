import Foundation
import NIOCore
import PostgresCapture
import PostgresTestSupport
import PostgresWire
import Testing

/// What `pgw decode CAPTURE` writes and when: a live capture's messages as its packets come through a pipe.
@Suite("pgw decode's output of a capture: live from a pipe")
struct DecodeCaptureOutputTests {
    typealias Scenario = CaptureScenario

    @Test("a capture read from a pipe that stays open: each message is printed once its packet is in")
    func livePipe() throws {
        var connection = SyntheticConnection.ipv4(serverPort: 55_303)
        let path = try Scenario.write(
            connection.handshake() + [
                connection.send(Scenario.startup), connection.send(Scenario.ready),
                connection.send(Scenario.query("select 'live'")),
            ])
        defer { unlink(path) }
        let capture = try Data(contentsOf: URL(filePath: path))

        let process = Process()
        process.executableURL = try PGWExecutable.url()
        process.arguments = ["decode", "-", "--port", "55303"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        try input.fileHandleForWriting.write(contentsOf: capture)

        // Read while the pipe is still open: the line must come without the end of the input.
        let descriptor = output.fileHandleForReading.fileDescriptor
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(20)
        while !String(decoding: received, as: UTF8.self).contains("select 'live'") && Date() < deadline {
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 100) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(descriptor, &chunk, chunk.count)
            guard count > 0 else { break }
            received += chunk[..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        #expect(process.isRunning, "pgw ended before its input did")
        #expect(text.contains(#"#1 F Query "select 'live'""#), "\(text)")
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
