/// One entry of a certificate's subject alternative name extension.
public enum TLSSubjectAlternativeName: Sendable, Hashable, CustomStringConvertible {
    /// A DNS name, possibly with a leading wildcard label (`*.example.com`).
    case dnsName(String)
    /// An IPv4 or IPv6 address in its usual text form.
    case ipAddress(String)
    /// An e-mail address (`rfc822Name`).
    case email(String)
    /// A URI.
    case uri(String)

    /// The entry as OpenSSL prints it, for example `DNS:db.example.com` or `IP Address:127.0.0.1`.
    public var description: String {
        switch self {
        case .dnsName(let name): "DNS:\(name)"
        case .ipAddress(let address): "IP Address:\(address)"
        case .email(let address): "email:\(address)"
        case .uri(let uri): "URI:\(uri)"
        }
    }
}
