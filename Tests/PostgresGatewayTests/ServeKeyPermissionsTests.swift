import Foundation
import PostgresTestSupport
import Testing

/// `pgw serve` and `pgw proxy` refuse a TLS private key that the group or others may read, as PostgreSQL refuses
/// its `ssl_key_file` (a key owned by root may be 0640).
@Suite(.timeLimit(.minutes(2)))
struct ServeKeyPermissionsTests {
    @Test(arguments: [["serve", "--port", "0"], ["proxy", "--upstream", "127.0.0.1:5432", "--listen", "127.0.0.1:0"]])
    func aWorldReadableKeyIsRefused(command: [String]) async throws {
        let certificates = try TestCertificates.shared()
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-key-mode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appending(path: "server.key").path
        try FileManager.default.copyItem(atPath: certificates.path("server.key"), toPath: key)
        #expect(chmod(key, 0o644) == 0)
        let outcome = try await PGWExecutable.run(
            command + ["--tls-cert", certificates.path("server.crt"), "--tls-key", key])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(
            outcome.standardError.contains(
                "private key file \"\(key)\" has group or world access\nDETAIL:  File must have permissions u=rw "
                    + "(0600) or less if owned by the database user, or permissions u=rw,g=r (0640) or less if owned "
                    + "by root."), "\(outcome)")
    }
}
