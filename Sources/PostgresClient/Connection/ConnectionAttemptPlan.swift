/// The attempts libpq makes on one host, in order: how each secures the connection, and which failure leads to
/// the next (`sslmode=prefer` falls back to plaintext, `allow` to TLS, `gssencmode=prefer` to no GSSAPI).
struct ConnectionAttemptPlan {
    private var base: ClientStartupConfiguration
    private var pending: [TLSStart]
    private var current: TLSStart?
    private var isFinished = false

    /// The plan for `target` under `options`, looking for a server with `targetSessionAttributes`.
    init(options: ConnectionOptions, target: ConnectionTarget, targetSessionAttributes: TargetSessionAttributes) {
        base = ClientStartupConfiguration(
            requestsGSSEncryption: options.gssEncryptionMode == .prefer && !target.isUnixSocket,
            parameters: options.startupParameters,
            password: target.password,
            passwordFile: target.passwordFile,
            channelBinding: options.channelBinding,
            requiredAuthentication: options.requiredAuthentication,
            minimumProtocolVersion: options.minimumProtocolVersion,
            maximumProtocolVersion: options.maximumProtocolVersion,
            targetSessionAttributes: targetSessionAttributes)
        let required: TLSStart = options.sslNegotiation == .direct ? .direct : .sslRequest(required: true)
        switch options.sslMode {
        case .disable: pending = [.none]
        case .allow: pending = target.isUnixSocket ? [.none] : [.none, required]
        case .prefer: pending = target.isUnixSocket ? [.none] : [.sslRequest(required: false), .none]
        case .require, .verifyCA, .verifyFull: pending = [required]
        }
    }

    /// The next attempt, or `nil` when the host is done with.
    mutating func next() -> ClientStartupConfiguration? {
        guard !isFinished, let start = current ?? pending.first else { return nil }
        if current == nil { pending.removeFirst() }
        current = start
        var configuration = base
        configuration.tlsStart = start
        return configuration
    }

    /// Records why the last attempt failed, which decides whether another follows.
    mutating func failed(_ error: PostgresClientError) {
        switch (error.reason, current) {
        case (.gssEncryptionUnsupported, _):
            base.requestsGSSEncryption = false
        case (.tls, .sslRequest(required: false)?), (.clientKey, .sslRequest(required: false)?):
            current = nil
        case (.server, .sslRequest(required: false)?) where error.wasEncrypted:
            current = nil
        case (.server, .none?) where !pending.isEmpty:
            current = nil
        default:
            isFinished = true
        }
    }
}
