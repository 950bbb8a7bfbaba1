import Foundation
import PostgresTLS

extension ConnectionOptions {
    /// The TLS client context these options call for, as libpq's `initialize_SSL` builds it: the server's
    /// certificate is verified whenever a root certificate file exists (so `require` acts as `verify-ca`),
    /// `verify-ca` and `verify-full` fail without one, and the client certificate is used when its file exists
    /// (its key refused, in libpq's words, when its mode allows group or world access). `nil` for `sslmode=disable`.
    func makeTLSClientContext() throws(PostgresClientError) -> TLSClientContext? {
        guard sslMode != .disable else { return nil }
        let trustRoots: TLSTrustRoots
        let verifies: Bool
        switch sslRootCertificate {
        case .system:
            trustRoots = .system
            verifies = true
        case .file(let path):
            trustRoots = .pemFile(path)
            verifies = FileManager.default.fileExists(atPath: path)
            if !verifies && (sslMode == .verifyCA || sslMode == .verifyFull) {
                throw PostgresClientError(
                    .invalidOptions(
                        ConnectionOptionError(
                            "root certificate file \"\(path)\" does not exist\nEither provide the file, use the system's "
                                + "trusted roots with sslrootcert=system, or change sslmode to disable server certificate "
                                + "verification.")))
            }
        }
        let mode: TLSClientMode = sslMode == .verifyFull ? .verifyFull : verifies ? .verifyCA : .require
        if presentsClientCertificate, FileManager.default.fileExists(atPath: sslCertificate),
            let permissions = PrivateKeyFilePermissions(path: sslKey),
            let problem = permissions.libpqError(path: sslKey)
        {
            throw PostgresClientError(.clientKey(problem))
        }
        do {
            let configuration = TLSClientConfiguration(
                mode: mode, trustRoots: trustRoots, identity: try clientIdentity(),
                minimumProtocolVersion: sslMinimumProtocolVersion, keyLog: try sslKeyLogFile.map(TLSKeyLog.init(path:)))
            return try TLSClientContext(configuration: configuration)
        } catch {
            throw PostgresClientError(.tls(error))
        }
    }

    /// The client certificate and key, when the certificate file exists and `sslcertmode` is not `disable` (the
    /// key's mode was checked by libpq's rule, ``PrivateKeyFilePermissions``, before).
    private func clientIdentity() throws(TLSError) -> TLSIdentity? {
        guard presentsClientCertificate, FileManager.default.fileExists(atPath: sslCertificate) else { return nil }
        return try TLSIdentity(certificateChainFile: sslCertificate, privateKeyFile: sslKey, passphrase: sslPassword)
    }

    /// The name sent in SNI and checked by `verify-full`: the host name (or `hostaddr` when there is none);
    /// `nil` for a Unix socket, or with `sslsni=0` unless `verify-full` needs it.
    func serverName(for target: ConnectionTarget) -> String? {
        guard !target.isUnixSocket else { return nil }
        guard sendsServerName || sslMode == .verifyFull else { return nil }
        return target.host.isEmpty ? target.hostAddress : target.host
    }

    /// Makes the TLS handler for a connection to `target` with `context` (SNI and `verify-full` name from
    /// ``serverName(for:)``); when the context could not be made, it throws that failure (a
    /// ``PostgresClientError``), and without a context (`sslmode=disable`) it throws, which the state machine never
    /// asks for.
    func tlsHandlerFactory(_ context: Result<TLSClientContext?, PostgresClientError>, for target: ConnectionTarget)
        -> @Sendable () throws -> TLSHandler
    {
        let serverName = serverName(for: target)
        return {
            guard let context = try context.get() else {
                throw TLSError.configurationFailed(
                    OpenSSLError(operation: "starting TLS with sslmode=disable", reasons: []))
            }
            return try TLSHandler(clientContext: context, serverName: serverName)
        }
    }
}
