import Foundation
import PostgresTestSupport

/// A throw-away CA, a server certificate for `db.pgw.test` and client certificates, made with the `openssl`
/// command in a temporary directory for each test run.
struct TestCertificates: Sendable {
    /// The server name in the server certificate's subjectAltName.
    static let serverName = "db.pgw.test"

    let directory: URL

    /// The path of a file in the directory, such as `ca.crt` or `alice.key`.
    func path(_ name: String) -> String { directory.appending(path: name).path }

    private static let generated = Result { try TestCertificates() }

    /// The certificates shared by all tests of a run.
    static func shared() throws -> TestCertificates { try generated.get() }

    private init() throws {
        directory = FileManager.default.temporaryDirectory.appending(path: "pgw-gateway-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1.key" 2>/dev/null; chmod 600 "$1.key"; }
            key ca
            openssl req -x509 -new -key ca.key -out ca.crt -days 2 -subj /CN=pgw-test-ca
            issue() {
              key "$1"
              openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2"
              printf '%s\\n' "$3" > "$1.ext"
              openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 2 -extfile "$1.ext" 2>/dev/null
            }
            issue server \(Self.serverName) "subjectAltName=DNS:\(Self.serverName)"
            issue alice alice "extendedKeyUsage=clientAuth"
            issue mallory mallory "extendedKeyUsage=clientAuth"
            """
        let process = Process()
        process.executableURL = URL(filePath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: path("mallory.crt")) else {
            throw TestSupportError.missingPrerequisite(
                "the openssl command to make test certificates (exit \(process.terminationStatus))")
        }
    }
}
