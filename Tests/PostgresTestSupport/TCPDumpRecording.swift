import Foundation

/// A real `tcpdump` writing the loopback traffic of TCP ports to a pcap file while a scenario runs.
public final class TCPDumpRecording: @unchecked Sendable {
    /// The pcap file.
    public let path: String
    private let process = Process()
    private let standardErrorPath: String

    /// Starts `tcpdump -i lo` for `port` writing to `path`, and waits until it captures (it says "listening on").
    /// Fails naming tcpdump when it is missing or may not capture (it needs root or CAP_NET_RAW).
    public convenience init(port: Int, path: String) async throws {
        try await self.init(ports: [port], path: path)
    }

    /// Starts `tcpdump -i lo` for the traffic of any of `ports` writing to `path`, as ``init(port:path:)``.
    public init(ports: [Int], path: String) async throws {
        self.path = path
        standardErrorPath = path + ".stderr"
        process.executableURL = try PostgresInstallation.executableOnPath("tcpdump")
        // Packets are written as they come (--immediate-mode, -U) through a 64 MiB kernel buffer (-B), so a loaded
        // machine drops none; root keeps the file writable (-Z root).
        process.arguments = [
            "-i", "lo", "-B", "65536", "--immediate-mode", "-U", "-Z", "root", "-w", path,
            ports.map { "tcp port \($0)" }.joined(separator: " or "),
        ]
        _ = FileManager.default.createFile(atPath: standardErrorPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(filePath: standardErrorPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 {
            if standardError.contains("listening on") { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(process.processIdentifier, SIGKILL)
        throw TestSupportError.missingPrerequisite(
            "tcpdump capturing on the loopback interface (it needs root or CAP_NET_RAW): \(standardError)")
    }

    private var standardError: String { (try? String(contentsOfFile: standardErrorPath, encoding: .utf8)) ?? "" }

    /// Lets the last packets reach the file, then stops tcpdump. With SIGKILL: the test process's threads block
    /// SIGTERM and SIGINT, and Foundation's Process passes that mask on; nothing is lost, as -U writes each packet
    /// to the file as it comes.
    public func stop() async throws {
        try await Task.sleep(for: .milliseconds(300))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        unlink(standardErrorPath)
    }
}
