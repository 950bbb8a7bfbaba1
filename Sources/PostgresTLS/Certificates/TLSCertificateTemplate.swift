#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What ``TLSCertificate/issue(_:for:issuer:)`` puts in a new certificate.
public struct TLSCertificateTemplate: Sendable, Hashable {
    /// The subject's common name (CN).
    public var commonName: String
    /// The subject's organization (O), if any.
    public var organization: String?
    /// The subject alternative names; hostname verification uses these.
    public var subjectAlternativeNames: [TLSSubjectAlternativeName]
    /// The start of the validity period.
    public var notBefore: Date
    /// The end of the validity period.
    public var notAfter: Date
    /// Whether the certificate may sign other certificates.
    public var isCertificateAuthority: Bool
    /// The digest the issuer signs with (ignored for Ed25519 issuers, which sign without one).
    public var signatureDigest: TLSSignatureDigest
    /// The extended key usages (`serverAuth`, `clientAuth`); none by default, which allows any use.
    public var extendedKeyUsages: [TLSExtendedKeyUsage] = []

    /// A template valid from an hour ago for `validity` seconds (one year by default).
    public init(
        commonName: String,
        organization: String? = nil,
        subjectAlternativeNames: [TLSSubjectAlternativeName] = [],
        isCertificateAuthority: Bool = false,
        validity: TimeInterval = 365 * 24 * 3600,
        signatureDigest: TLSSignatureDigest = .sha256
    ) {
        let now = Date()
        self.commonName = commonName
        self.organization = organization
        self.subjectAlternativeNames = subjectAlternativeNames
        self.notBefore = now.addingTimeInterval(-3600)
        self.notAfter = now.addingTimeInterval(validity)
        self.isCertificateAuthority = isCertificateAuthority
        self.signatureDigest = signatureDigest
    }
}
