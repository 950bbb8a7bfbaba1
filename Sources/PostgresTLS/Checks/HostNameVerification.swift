#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether a certificate names a host, decided as libpq does for `sslmode=verify-full`; the one host-name rule of
/// pgw, used by TLS clients in verify-full (from OpenSSL's verification callback) and by `pgw certs`.
///
/// Libpq's own rule, not OpenSSL's `X509_check_host`, which disagrees with it: OpenSSL ignores `*.test` (a wildcard
/// over a single label) and wildcards over `xn--` labels, and never reads the common name for an IP address.
///
/// A DNS name entry is compared with the host as text, ignoring case; a name whose whole leftmost label is `*`
/// matches one or more characters other than dots there (`*.example.test` matches `db.example.test`, not
/// `example.test` nor `a.b.example.test`), and no other `*` is a wildcard. An IP address entry matches a host that
/// is the same IPv4 or IPv6 address. The common name (CN) counts only when the certificate has no alternative name
/// of the host's kind (DNS for a host name, IP address for an address). A name holding a NUL byte matches nothing.
public enum HostNameVerification {
    /// The result of checking one host name.
    public enum Outcome: Sendable, Hashable {
        /// The certificate names the host; `name` is the entry that matched, such as `DNS:*.example.test`.
        case matched(name: String)
        /// The certificate does not name the host; `examined` lists the entries compared with it.
        case mismatched(examined: [String])
    }

    /// Checks `host` (a DNS name or an IP address) against the certificate's alternative names and common name.
    public static func verify(host: String, against certificate: TLSCertificateInfo) -> Outcome {
        let address = ipAddressBytes(host)
        var examined: [String] = []
        var hasNameOfHostKind = false
        for name in certificate.subjectAlternativeNames {
            let matched: Bool
            switch name {
            case .dnsName(let pattern):
                hasNameOfHostKind = hasNameOfHostKind || address == nil
                matched = matches(pattern: pattern, host: host)
            case .ipAddress(let text):
                hasNameOfHostKind = hasNameOfHostKind || address != nil
                matched = address != nil && ipAddressBytes(text) == address
            case .email, .uri:
                continue
            }
            examined.append(name.description)
            if matched { return .matched(name: name.description) }
        }
        if !hasNameOfHostKind, let commonName = certificate.commonName {
            examined.append("CN=\(commonName)")
            if matches(pattern: commonName, host: host) { return .matched(name: "CN=\(commonName)") }
        }
        return .mismatched(examined: examined)
    }

    /// libpq's message when the certificate does not name `host` (`pq_verify_peer_name_matches_certificate`): the
    /// first name compared and how many others were, such as `server certificate for "localhost" (and 2 other
    /// names) does not match host name "db.example"`. The names counted are the DNS and IP address alternative
    /// names, and the common name when ``verify(host:against:)`` reads it.
    public static func mismatchMessage(host: String, certificate: TLSCertificateInfo) -> String {
        let isAddress = ipAddressBytes(host) != nil
        var names: [String] = []
        var hasNameOfHostKind = false
        for name in certificate.subjectAlternativeNames {
            switch name {
            case .dnsName(let pattern):
                hasNameOfHostKind = hasNameOfHostKind || !isAddress
                names.append(pattern)
            case .ipAddress(let text):
                hasNameOfHostKind = hasNameOfHostKind || isAddress
                names.append(text)
            case .email, .uri:
                continue
            }
        }
        if !hasNameOfHostKind, let commonName = certificate.commonName { names.append(commonName) }
        guard let first = names.first else { return "could not get server's host name from server certificate" }
        switch names.count {
        case 1: return "server certificate for \"\(first)\" does not match host name \"\(host)\""
        case 2: return "server certificate for \"\(first)\" (and 1 other name) does not match host name \"\(host)\""
        default:
            return "server certificate for \"\(first)\" (and \(names.count - 1) other names) does not match host name "
                + "\"\(host)\""
        }
    }

    /// Whether one certificate name matches `host`: equal ignoring ASCII case, or a `*.` wildcard whose `*`
    /// stands for one or more characters other than dots.
    public static func matches(pattern: String, host: String) -> Bool {
        let pattern = Array(pattern.lowercased().utf8)
        let host = Array(host.lowercased().utf8)
        guard !pattern.contains(0) else { return false }
        guard pattern.count >= 3, pattern[0] == UInt8(ascii: "*"), pattern[1] == UInt8(ascii: ".") else {
            return pattern == host
        }
        let suffix = pattern.dropFirst()
        guard host.count > suffix.count, host.suffix(suffix.count).elementsEqual(suffix) else { return false }
        return !host.dropLast(suffix.count).contains(UInt8(ascii: "."))
    }

    /// The binary form of an IPv4 or IPv6 address, or `nil` when `text` is not one.
    fileprivate static func ipAddressBytes(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        if inet_pton(AF_INET, text, &address) == 1 {
            return withUnsafeBytes(of: &address) { Array($0.prefix(4)) }
        }
        if inet_pton(AF_INET6, text, &address) == 1 {
            return withUnsafeBytes(of: &address) { Array($0) }
        }
        return nil
    }
}

extension TLSSubjectAlternativeName {
    /// The alternative name that lets ``HostNameVerification`` accept `host`: an IP address entry when `host`
    /// is an IPv4 or IPv6 address, otherwise a DNS name entry (which may be a `*.` wildcard).
    public init(host: String) {
        self = HostNameVerification.ipAddressBytes(host) == nil ? .dnsName(host) : .ipAddress(host)
    }
}
