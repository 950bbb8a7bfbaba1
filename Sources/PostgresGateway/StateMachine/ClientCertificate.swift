/// Facts about a verified TLS client certificate.
public struct ClientCertificate: Sendable, Hashable {
    /// The subject's common name (CN).
    public var commonName: String?
    /// The whole subject, one-line form.
    public var subject: String
    /// The issuer, one-line form.
    public var issuer: String

    public init(commonName: String?, subject: String, issuer: String) {
        self.commonName = commonName
        self.subject = subject
        self.issuer = issuer
    }
}
