#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Checks certificate and key files the way PostgreSQL and libpq will use them, one ``CertificateVerdict`` per check:
///
/// - `certificate`: the certificate file parses as PEM;
/// - `key`: the key file parses (decrypting it with the passphrase);
/// - `key-match`: the key belongs to the certificate;
/// - `key-permissions`: libpq's rule for key files (``PrivateKeyFilePermissions``): owned by root with at most group
///   read (0640 or stricter), otherwise no group or world access (0600 or stricter);
/// - `chain`: the certificate chains to one of the authorities in the CA file, for the purpose the host or user
///   implies (server or client authentication);
/// - `validity`: the leaf and any intermediates are within their validity periods, with the time left (days, or
///   hours, minutes or seconds within the last day);
/// - `host`: the certificate names the host as `sslmode=verify-full` requires (see ``HostNameVerification``);
/// - `user`: a client certificate's common name is the role name, as the `cert` authentication method requires.
public struct CertificateCheck: Sendable {
    /// The PEM certificate file, leaf first, then any intermediates.
    public var certificateFile: String
    /// The PEM private key file.
    public var keyFile: String?
    /// The passphrase of an encrypted key.
    public var passphrase: String?
    /// A PEM file of trusted authorities.
    public var authorityFile: String?
    /// The host name or IP address the certificate must name (a server certificate).
    public var hostName: String?
    /// The role name the certificate's common name must equal (a client certificate).
    public var user: String?
    /// The moment validity is checked at.
    public var now: Date
    /// How close to its end a validity period gets a warning.
    public var expiryWarning: TimeInterval

    /// A check of `certificateFile` with optional key, authorities, host and user, at the current time.
    public init(
        certificateFile: String,
        keyFile: String? = nil,
        passphrase: String? = nil,
        authorityFile: String? = nil,
        hostName: String? = nil,
        user: String? = nil,
        now: Date = Date(),
        expiryWarning: TimeInterval = 30 * 86400
    ) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.passphrase = passphrase
        self.authorityFile = authorityFile
        self.hostName = hostName
        self.user = user
        self.now = now
        self.expiryWarning = expiryWarning
    }

    /// Runs every check the given files and names allow, in the order listed above. When the certificate file
    /// does not parse, that is the only verdict.
    public func run() -> [CertificateVerdict] {
        let chain: [TLSCertificate]
        do {
            chain = try TLSCertificate.chain(pemFile: certificateFile)
        } catch {
            return [CertificateVerdict(check: "certificate", status: .fail, detail: error.description)]
        }
        let leaf = chain[0]
        let intermediates = chain.count > 1 ? " and \(chain.count - 1) more" : ""
        var verdicts = [
            CertificateVerdict(check: "certificate", status: .ok, detail: "\(leaf.info.subject)\(intermediates)")
        ]
        if let keyFile {
            verdicts += checkKey(keyFile, for: leaf)
            verdicts.append(Self.checkPermissions(ofKeyFile: keyFile))
        }
        if let authorityFile {
            verdicts.append(checkChain(chain, authorityFile: authorityFile))
        }
        verdicts.append(Self.checkValidity(of: chain.map(\.info), at: now, warningWithin: expiryWarning))
        if let hostName {
            verdicts.append(Self.checkHostName(hostName, of: leaf.info))
        }
        if let user {
            verdicts.append(Self.checkUser(user, of: leaf.info))
        }
        return verdicts
    }

    /// The checks `sslmode=verify-full` makes of the chain a server sent: `chain`, verified for server
    /// authentication at `now` against the authorities in `authorityFile`, and `host`.
    public static func verifyFull(
        serverChain: [TLSCertificateInfo], authorityFile: String, host: String, now: Date = Date()
    ) -> [CertificateVerdict] {
        let chainVerdict: CertificateVerdict
        do {
            let chain = try serverChain.map { info throws(TLSError) in try TLSCertificate(derBytes: info.derBytes) }
            let roots = try TLSCertificate.chain(pemFile: authorityFile)
            chainVerdict = checkChain(
                chain, verifier: CertificateChainVerifier(roots: roots, purpose: .server, time: now))
        } catch {
            chainVerdict = CertificateVerdict(check: "chain", status: .fail, detail: error.description)
        }
        guard let leaf = serverChain.first else { return [chainVerdict] }
        return [chainVerdict, checkHostName(host, of: leaf)]
    }

    private func checkKey(_ keyFile: String, for leaf: TLSCertificate) -> [CertificateVerdict] {
        let encrypted = Self.isEncrypted(keyFile)
        let key: TLSPrivateKey
        do {
            key = try TLSPrivateKey(pemFile: keyFile, passphrase: passphrase)
        } catch {
            let hint = encrypted && passphrase == nil ? "encrypted, and no passphrase was given; " : ""
            return [CertificateVerdict(check: "key", status: .fail, detail: hint + error.description)]
        }
        let description = "\(key.algorithmName) \(key.bits)-bit"
        let keyVerdict =
            encrypted
            ? CertificateVerdict(
                check: "key", status: .warn,
                detail: "\(description), encrypted (a server needs ssl_passphrase_command to load it)")
            : CertificateVerdict(check: "key", status: .ok, detail: description)
        let matches = (try? leaf.checkPrivateKey(key)) != nil
        let matchVerdict =
            matches
            ? CertificateVerdict(check: "key-match", status: .ok, detail: "the key is the certificate's")
            : CertificateVerdict(
                check: "key-match", status: .fail, detail: "the key does not belong to \(leaf.info.subject)")
        return [keyVerdict, matchVerdict]
    }

    private static func isEncrypted(_ keyFile: String) -> Bool {
        guard let text = try? String(contentsOfFile: keyFile, encoding: .utf8) else { return false }
        return text.contains("ENCRYPTED")
    }

    /// libpq's rule for key files (``PrivateKeyFilePermissions``), which the client applies to `sslkey`.
    private static func checkPermissions(ofKeyFile path: String) -> CertificateVerdict {
        guard let permissions = PrivateKeyFilePermissions(path: path) else {
            return CertificateVerdict(
                check: "key-permissions", status: .fail, detail: "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard permissions.isRegularFile else {
            return CertificateVerdict(check: "key-permissions", status: .fail, detail: "not a regular file")
        }
        let detail = "mode 0\(String(permissions.mode & 0o7777, radix: 8)), owner uid \(permissions.owner)"
        let rule =
            permissions.owner == 0
            ? "owned by root, it must be 0640 (u=rw,g=r) or stricter"
            : permissions.owner == geteuid()
                ? "owned by the current user, it must be 0600 (u=rw) or stricter"
                : "owned by uid \(permissions.owner), it must be 0600 (u=rw) or stricter"
        guard !permissions.hasTooMuchAccess else {
            return CertificateVerdict(check: "key-permissions", status: .fail, detail: "\(detail): \(rule)")
        }
        return CertificateVerdict(check: "key-permissions", status: .ok, detail: detail)
    }

    private func checkChain(_ chain: [TLSCertificate], authorityFile: String) -> CertificateVerdict {
        let roots: [TLSCertificate]
        do {
            roots = try TLSCertificate.chain(pemFile: authorityFile)
        } catch {
            return CertificateVerdict(check: "chain", status: .fail, detail: error.description)
        }
        let purpose: CertificateChainVerifier.Purpose? = user != nil ? .client : hostName != nil ? .server : nil
        // Dates are the validity check's business, so that an expired certificate fails there only.
        return Self.checkChain(chain, verifier: CertificateChainVerifier(roots: roots, purpose: purpose, time: nil))
    }

    /// Verifies `chain` with `verifier`, as the `chain` check.
    private static func checkChain(_ chain: [TLSCertificate], verifier: CertificateChainVerifier) -> CertificateVerdict
    {
        switch verifier.verify(chain) {
        case .success(let authority):
            return CertificateVerdict(check: "chain", status: .ok, detail: "verifies to \(authority)")
        case .failure(let rejection):
            let culprit = rejection.certificate.map { " (at \($0))" } ?? ""
            return CertificateVerdict(check: "chain", status: .fail, detail: rejection.reason + culprit)
        }
    }

    /// The `validity` check of every certificate in `chain` at `now`; the verdict speaks of the one ending first.
    private static func checkValidity(
        of chain: [TLSCertificateInfo], at now: Date, warningWithin warning: TimeInterval
    ) -> CertificateVerdict {
        if let early = chain.first(where: { $0.notBefore > now }) {
            return CertificateVerdict(
                check: "validity", status: .fail,
                detail: "not valid before \(early.notBefore.formatted(.iso8601))\(subjectUnlessLeaf(early, chain))")
        }
        guard let first = chain.min(by: { $0.notAfter < $1.notAfter }) else {
            return CertificateVerdict(check: "validity", status: .fail, detail: "no certificate")
        }
        let remaining = first.notAfter.timeIntervalSince(now)
        let span = Self.span(abs(remaining))
        let end = first.notAfter.formatted(.iso8601) + subjectUnlessLeaf(first, chain)
        if remaining < 0 {
            return CertificateVerdict(check: "validity", status: .fail, detail: "expired \(end), \(span) ago")
        }
        let status: CertificateVerdict.Status = remaining < warning ? .warn : .ok
        return CertificateVerdict(check: "validity", status: status, detail: "valid until \(end), \(span) left")
    }

    /// A span of `seconds` in whole units, rounded down: days from one day on, else hours, minutes or seconds
    /// (`23 hours`, not `0 days`, for a certificate ending tomorrow).
    static func span(_ seconds: TimeInterval) -> String {
        let units: [(seconds: Int, name: String)] = [(86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")]
        let whole = Int(seconds)
        let unit = units.first { whole >= $0.seconds } ?? units[units.count - 1]
        let count = whole / unit.seconds
        return count == 1 ? "1 \(unit.name)" : "\(count) \(unit.name)s"
    }

    private static func subjectUnlessLeaf(_ certificate: TLSCertificateInfo, _ chain: [TLSCertificateInfo]) -> String {
        certificate == chain.first ? "" : " (\(certificate.subject))"
    }

    /// The `host` check: whether `certificate` names `host` for `sslmode=verify-full`.
    private static func checkHostName(_ host: String, of certificate: TLSCertificateInfo) -> CertificateVerdict {
        switch HostNameVerification.verify(host: host, against: certificate) {
        case .matched(let name):
            return CertificateVerdict(check: "host", status: .ok, detail: "\(host) matches \(name)")
        case .mismatched(let examined):
            let names = examined.isEmpty ? "no name of its kind" : examined.joined(separator: ", ")
            return CertificateVerdict(check: "host", status: .fail, detail: "\(host) does not match \(names)")
        }
    }

    private static func checkUser(_ user: String, of certificate: TLSCertificateInfo) -> CertificateVerdict {
        guard let commonName = certificate.commonName else {
            return CertificateVerdict(check: "user", status: .fail, detail: "the certificate has no CN")
        }
        guard commonName == user else {
            return CertificateVerdict(check: "user", status: .fail, detail: "CN is '\(commonName)', not '\(user)'")
        }
        return CertificateVerdict(check: "user", status: .ok, detail: "CN is '\(user)'")
    }
}
