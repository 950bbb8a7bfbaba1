import COpenSSL

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

/// The facts of an X.509 certificate, as plain values.
public struct TLSCertificateInfo: Sendable, Hashable {
    /// The subject in RFC 2253 form, for example `CN=alice,O=pgw`.
    public var subject: String
    /// The issuer in RFC 2253 form.
    public var issuer: String
    /// The subject's common name (CN), if it has one.
    public var commonName: String?
    /// The subject alternative names, in certificate order.
    public var subjectAlternativeNames: [TLSSubjectAlternativeName]
    /// The start of the validity period.
    public var notBefore: Date
    /// The end of the validity period.
    public var notAfter: Date
    /// The serial number in upper-case hexadecimal.
    public var serialNumber: String
    /// The signature algorithm's long name, for example `ecdsa-with-SHA256`.
    public var signatureAlgorithm: String
    /// The DER encoding of the whole certificate.
    public var derBytes: [UInt8]

    /// Creates certificate facts from plain values, for example to test code that reads them without OpenSSL.
    public init(
        subject: String,
        issuer: String,
        commonName: String?,
        subjectAlternativeNames: [TLSSubjectAlternativeName] = [],
        notBefore: Date,
        notAfter: Date,
        serialNumber: String = "",
        signatureAlgorithm: String = "",
        derBytes: [UInt8] = []
    ) {
        self.subject = subject
        self.issuer = issuer
        self.commonName = commonName
        self.subjectAlternativeNames = subjectAlternativeNames
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.serialNumber = serialNumber
        self.signatureAlgorithm = signatureAlgorithm
        self.derBytes = derBytes
    }

    /// Reads the facts of `x509`; a part OpenSSL cannot decode is left empty. Errors OpenSSL queues meanwhile
    /// are dropped and earlier ones kept, so this can run inside a handshake's verification callback.
    init(x509: OpaquePointer) {
        ERR_set_mark()
        defer { ERR_pop_to_mark() }
        subject = Self.name(X509_get_subject_name(x509))
        issuer = Self.name(X509_get_issuer_name(x509))
        commonName = Self.commonName(X509_get_subject_name(x509))
        subjectAlternativeNames = Self.alternativeNames(x509)
        notBefore = Self.date(X509_get0_notBefore(x509))
        notAfter = Self.date(X509_get0_notAfter(x509))
        serialNumber = Self.hex(X509_get0_serialNumber(x509))
        signatureAlgorithm = String(cString: OBJ_nid2ln(X509_get_signature_nid(x509)))
        let length = Int(i2d_X509(x509, nil))
        derBytes = [UInt8](unsafeUninitializedCapacity: max(length, 0)) { buffer, initialized in
            var cursor = buffer.baseAddress
            initialized = max(0, Int(i2d_X509(x509, &cursor)))
        }
    }

    private static func name(_ name: OpaquePointer?) -> String {
        MemoryBIO.text { _ = X509_NAME_print_ex($0, name, 0, pgw_XN_FLAG_RFC2253()) }
    }

    private static func commonName(_ name: OpaquePointer?) -> String? {
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index) else { return nil }
        return utf8(X509_NAME_ENTRY_get_data(entry))
    }

    private static func utf8(_ string: UnsafePointer<ASN1_STRING>?) -> String? {
        var output: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&output, string)
        guard length >= 0, let output else { return nil }
        defer { pgw_OPENSSL_free(output) }
        return String(decoding: UnsafeBufferPointer(start: output, count: Int(length)), as: UTF8.self)
    }

    private static func bytes(_ string: UnsafePointer<ASN1_STRING>?) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: ASN1_STRING_get0_data(string), count: Int(ASN1_STRING_length(string)))
    }

    private static func alternativeNames(_ x509: OpaquePointer) -> [TLSSubjectAlternativeName] {
        guard let names = X509_get_ext_d2i(x509, NID_subject_alt_name, nil, nil) else { return [] }
        let list = OpaquePointer(names)
        defer { GENERAL_NAMES_free(list) }
        return (0..<pgw_sk_GENERAL_NAME_num(list)).compactMap { index in
            guard let name = pgw_sk_GENERAL_NAME_value(list, index)?.pointee else { return nil }
            switch name.type {
            case GEN_DNS: return utf8(name.d.dNSName).map { .dnsName($0) }
            case GEN_EMAIL: return utf8(name.d.rfc822Name).map { .email($0) }
            case GEN_URI: return utf8(name.d.uniformResourceIdentifier).map { .uri($0) }
            case GEN_IPADD: return ipAddress(bytes(name.d.iPAddress)).map { .ipAddress($0) }
            default: return nil
            }
        }
    }

    private static func ipAddress(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(family, bytes.baseAddress, &text, socklen_t(text.count)) != nil else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return Date(timeIntervalSince1970: 0) }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    private static func hex(_ integer: UnsafePointer<ASN1_INTEGER>?) -> String {
        let digits = Array("0123456789ABCDEF")
        return String(bytes(integer).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
    }
}
