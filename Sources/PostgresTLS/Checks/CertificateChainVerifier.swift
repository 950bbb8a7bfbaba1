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

/// Verifies a certificate chain against trusted authorities with OpenSSL's `X509_verify_cert`, as a TLS peer would.
struct CertificateChainVerifier {
    /// What the leaf certificate must be good for.
    enum Purpose {
        case server
        case client

        var openSSLPurpose: Int32 {
            switch self {
            case .server: X509_PURPOSE_SSL_SERVER
            case .client: X509_PURPOSE_SSL_CLIENT
            }
        }
    }

    /// The authorities the chain must end at.
    var roots: [TLSCertificate]
    /// The purpose to check the leaf's key usages against; `nil` accepts any.
    var purpose: Purpose?
    /// The moment the validity periods are checked at; `nil` ignores them.
    var time: Date?

    /// The subject of the trusted authority the chain leads to, or OpenSSL's reason for rejecting it,
    /// naming the certificate at fault when it is not the leaf.
    func verify(_ chain: [TLSCertificate]) -> Result<String, CertificateChainRejection> {
        ERR_clear_error()
        guard let leaf = chain.first, let store = X509_STORE_new() else {
            return .failure(CertificateChainRejection(reason: "no certificate to verify"))
        }
        defer { X509_STORE_free(store) }
        guard let untrusted = pgw_sk_X509_new_null() else {
            return .failure(CertificateChainRejection(reason: "out of memory"))
        }
        defer { pgw_sk_X509_free(untrusted) }
        guard let context = X509_STORE_CTX_new() else {
            return .failure(CertificateChainRejection(reason: "out of memory"))
        }
        defer { X509_STORE_CTX_free(context) }
        guard roots.allSatisfy({ X509_STORE_add_cert(store, $0.x509) == 1 }),
            chain.dropFirst().allSatisfy({ pgw_sk_X509_push(untrusted, $0.x509) > 0 }),
            X509_STORE_CTX_init(context, store, leaf.x509, untrusted) == 1,
            purpose.map({ X509_STORE_CTX_set_purpose(context, $0.openSSLPurpose) == 1 }) ?? true
        else {
            let error = OpenSSLError.drainingErrorQueue(operation: "preparing the verification")
            return .failure(CertificateChainRejection(reason: error.description))
        }
        let parameters = X509_STORE_CTX_get0_param(context)
        if let time {
            X509_VERIFY_PARAM_set_time(parameters, time_t(time.timeIntervalSince1970))
        } else {
            X509_VERIFY_PARAM_set_flags(parameters, UInt(X509_V_FLAG_NO_CHECK_TIME))
        }
        guard X509_verify_cert(context) == 1 else {
            let code = X509_STORE_CTX_get_error(context)
            let reason = String(cString: X509_verify_cert_error_string(Int(code)))
            let culprit = X509_STORE_CTX_get_current_cert(context).map { TLSCertificate(borrowing: $0).info.subject }
            ERR_clear_error()
            return .failure(CertificateChainRejection(reason: reason, certificate: culprit))
        }
        let verified = X509_STORE_CTX_get0_chain(context)
        let top = pgw_sk_X509_value(verified, pgw_sk_X509_num(verified) - 1)
        return .success(top.map { TLSCertificate(borrowing: $0).info.subject } ?? "")
    }
}

/// Why a chain did not verify.
struct CertificateChainRejection: Error {
    /// OpenSSL's verification message, such as `unable to get local issuer certificate`.
    var reason: String
    /// The subject of the certificate OpenSSL was looking at when it gave up.
    var certificate: String?
}
