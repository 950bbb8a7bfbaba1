#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether a certificate names a host, decided as libpq does for `sslmode=verify-full`.
///
/// A DNS host name is compared, ignoring case, with every DNS subject alternative name; a name whose whole
/// leftmost label is `*` matches one or more characters other than dots there (`*.example.test` matches
/// `db.example.test`, not `example.test` nor `a.b.example.test`), and no other `*` is a wildcard. An IP
/// address is compared with every IP address alternative name. The common name (CN) counts only when the
/// certificate has no alternative name of the host's kind.
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
            switch (name, address) {
            case (.dnsName(let pattern), nil):
                hasNameOfHostKind = true
                examined.append(name.description)
                if matches(pattern: pattern, host: host) { return .matched(name: name.description) }
            case (.ipAddress(let text), let address?):
                hasNameOfHostKind = true
                examined.append(name.description)
                if ipAddressBytes(text) == address { return .matched(name: name.description) }
            default:
                continue
            }
        }
        if !hasNameOfHostKind, let commonName = certificate.commonName {
            examined.append("CN=\(commonName)")
            if matches(pattern: commonName, host: host) { return .matched(name: "CN=\(commonName)") }
        }
        return .mismatched(examined: examined)
    }

    /// Whether one certificate name matches `host`: equal ignoring ASCII case, or a `*.` wildcard whose `*`
    /// stands for one or more characters other than dots.
    public static func matches(pattern: String, host: String) -> Bool {
        let pattern = Array(pattern.lowercased().utf8)
        let host = Array(host.lowercased().utf8)
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
