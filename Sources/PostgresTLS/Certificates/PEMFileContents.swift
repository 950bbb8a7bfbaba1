#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a file given as certificates or as a private key holds, told in words when OpenSSL finds none of what it
/// looks for ("no start line", "unsupported"): a private key given as the certificate, a certificate given as the
/// key, an empty file, DER instead of PEM.
struct PEMFileContents: Sendable {
    /// The labels of the file's PEM blocks (`CERTIFICATE`, `PRIVATE KEY`…), in file order.
    var labels: [String]
    /// Whether the file holds no bytes.
    var isEmpty: Bool
    /// Whether the file looks binary (DER) rather than text.
    var isBinary: Bool

    /// The contents of `bytes`.
    init(bytes: [UInt8]) {
        isEmpty = bytes.isEmpty
        labels = []
        // DER starts with a SEQUENCE (0x30); text has no NUL and few control bytes.
        isBinary = (bytes.first == 0x30 && bytes.count > 1 && bytes[1] >= 0x80) || bytes.contains(0)
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(whereSeparator: \.isNewline) {
            var trimmed = line
            while let last = trimmed.last, last == " " || last == "\t" { trimmed = trimmed.dropLast() }
            guard trimmed.hasPrefix("-----BEGIN "), trimmed.hasSuffix("-----"), trimmed.count > 16 else { continue }
            labels.append(String(trimmed.dropFirst("-----BEGIN ".count).dropLast(5)))
        }
    }

    /// The contents of the regular file at `path`; `nil` when it is not one (a pipe read once cannot be read again)
    /// or cannot be read.
    init?(file path: String) {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size <= 16 << 20 else {
            return nil
        }
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        let count = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        self.init(bytes: Array(bytes.prefix(count)))
    }

    /// Why no certificate could be read from the file, in words; `nil` when it does hold a PEM certificate (which
    /// must then be damaged: OpenSSL's reasons say how).
    var certificateProblem: String? {
        if labels.contains(where: Self.isCertificate) { return nil }
        return problem(
            lacking: "certificate", label: "CERTIFICATE",
            conversion: "openssl x509 -inform der -in FILE -out FILE.pem")
    }

    /// Why no private key could be read from the file, in words; `nil` when it does hold a PEM private key that
    /// OpenSSL reads (which must then be damaged or encrypted: OpenSSL's reasons say how).
    var privateKeyProblem: String? {
        if labels.contains("OPENSSH PRIVATE KEY") {
            return "the file holds an OpenSSH private key, which OpenSSL (and PostgreSQL) cannot read: convert a "
                + "copy of it to PEM with ssh-keygen -p -m PKCS8 -f COPY"
        }
        if labels.contains(where: Self.isPrivateKey) { return nil }
        return problem(
            lacking: "private key", label: "PRIVATE KEY", conversion: "openssl pkey -inform der -in FILE -out FILE.pem")
    }

    /// What the file is instead of a PEM `what` (`-----BEGIN label-----`), and how to convert DER.
    private func problem(lacking what: String, label: String, conversion: String) -> String {
        if isEmpty { return "the file is empty" }
        if !labels.isEmpty {
            var kinds: [String] = []
            for kind in labels.map(Self.kind) where !kinds.contains(kind) { kinds.append(kind) }
            return "the file holds \(kinds.joined(separator: " and ")), not a \(what)"
        }
        if isBinary { return "the file is binary (DER?), not PEM text; convert it with \(conversion)" }
        return "the file holds no PEM \(what) (a -----BEGIN \(label)----- line)"
    }

    /// Whether a PEM label is a certificate's.
    private static func isCertificate(_ label: String) -> Bool {
        ["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"].contains(label)
    }

    /// Whether a PEM label is a private key's, encrypted or not.
    private static func isPrivateKey(_ label: String) -> Bool {
        label.hasSuffix("PRIVATE KEY") && label != "OPENSSH PRIVATE KEY"
    }

    /// What a PEM block of `label` holds, in words: `a private key`, `a certificate signing request`.
    private static func kind(_ label: String) -> String {
        if isCertificate(label) { return "a certificate" }
        if label == "ENCRYPTED PRIVATE KEY" { return "an encrypted private key" }
        if label == "OPENSSH PRIVATE KEY" { return "an OpenSSH private key" }
        if isPrivateKey(label) { return "a private key" }
        switch label {
        case "PUBLIC KEY", "RSA PUBLIC KEY": return "a public key"
        case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST": return "a certificate signing request"
        case "X509 CRL": return "a certificate revocation list"
        case "DH PARAMETERS", "X9.42 DH PARAMETERS": return "Diffie-Hellman parameters"
        case "EC PARAMETERS": return "EC parameters"
        default: return "a PEM block \"-----BEGIN \(label)-----\""
        }
    }
}
