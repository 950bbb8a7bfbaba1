import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The channel handler of a ``PostgresTLSProbe``: sends `SSLRequest` and reads the answer (or starts TLS at once),
/// adds a client ``TLSHandler`` and completes `promise` with what the server answered and presented.
final class PostgresTLSProbeHandler: ChannelInboundHandler {
    /// The server's answer to `SSLRequest`; after TLS has started, plaintext (none is expected).
    typealias InboundIn = ByteBuffer
    /// The `SSLRequest`.
    typealias OutboundOut = ByteBuffer

    private let negotiation: PostgresTLSProbe.Negotiation
    private let serverName: String
    private let promise: EventLoopPromise<PostgresTLSProbe.Report>
    private var sslResponse: Character?
    private var startedTLS = false

    /// A handler that asks for TLS as `negotiation` says, for `serverName`, and reports to `promise`.
    init(
        negotiation: PostgresTLSProbe.Negotiation, serverName: String,
        promise: EventLoopPromise<PostgresTLSProbe.Report>
    ) {
        self.negotiation = negotiation
        self.serverName = serverName
        self.promise = promise
    }

    /// Sends `SSLRequest`, or starts TLS.
    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        switch negotiation {
        case .sslRequest:
            // Length 8, code 80877103.
            let request = context.channel.allocator.buffer(bytes: [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F])
            context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        case .direct:
            startTLS(context: context)
        }
    }

    /// Reads the one-byte answer to `SSLRequest`.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard !startedTLS, let first = bytes.readInteger(as: UInt8.self) else { return }
        let response = Character(Unicode.Scalar(first))
        sslResponse = response
        switch first {
        case UInt8(ascii: "N"):
            finish(.success(PostgresTLSProbe.Report(sslResponse: response, connection: nil)), context: context)
        case UInt8(ascii: "S") where bytes.readableBytes == 0:
            startTLS(context: context)
        case UInt8(ascii: "S"):
            // libpq refuses this too: those bytes were not protected by TLS (CVE-2021-23222).
            finish(.failure(TLSProbeError("the server sent data after 'S'")), context: context)
        default:
            let reason = "the server answered SSLRequest with '\(response)', not 'S' or 'N'"
            finish(.failure(TLSProbeError(reason)), context: context)
        }
    }

    /// Reports the completed handshake.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let completed = event as? TLSHandshakeCompleted {
            finish(
                .success(PostgresTLSProbe.Report(sslResponse: sslResponse, connection: completed.info)),
                context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Reports a TLS or network failure.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let description = (error as? TLSError)?.description ?? "\(error)"
        let isClosing =
            error as? TLSError == .connectionClosedDuringHandshake || (error as? IOError)?.errnoCode == ECONNRESET
        finish(.failure(TLSProbeError(description, hint: isClosing ? closingHint : nil)), context: context)
    }

    /// Reports a connection the server closed before there was anything to report.
    func channelInactive(context: ChannelHandlerContext) {
        let description =
            startedTLS ? TLSError.connectionClosedDuringHandshake.description : "the server closed the connection"
        promise.fail(TLSProbeError(description, hint: closingHint))
        context.fireChannelInactive()
    }

    /// Why a server closes a direct TLS handshake: one before PostgreSQL 17 reads the ClientHello as the length of
    /// a startup packet, logs "invalid length of startup packet" and closes the connection. `nil` after SSLRequest.
    private var closingHint: String? {
        guard negotiation == .direct, startedTLS else { return nil }
        return "direct TLS (sslnegotiation=direct) needs PostgreSQL 17 or later; an older server closes the "
            + "connection when TLS starts without SSLRequest (its log says \"invalid length of startup packet\")"
    }

    private func startTLS(context: ChannelHandlerContext) {
        startedTLS = true
        do {
            let configuration = TLSClientConfiguration(
                mode: .require, serverName: serverName, applicationProtocols: ["postgresql"])
            let handler = try TLSHandler(
                clientContext: TLSClientContext(configuration: configuration), serverName: serverName)
            try context.pipeline.syncOperations.addHandler(handler, position: .before(self))
        } catch {
            finish(.failure(TLSProbeError("\(error)")), context: context)
        }
    }

    private func finish(_ result: Result<PostgresTLSProbe.Report, TLSProbeError>, context: ChannelHandlerContext) {
        promise.completeWith(result.mapError { $0 as any Error })
        context.close(promise: nil)
    }
}
