import NIOCore
import PostgresTLS

/// The test server's handler after TLS: reads the StartupMessage and logs the role in when it has no client
/// certificate or one whose CN is the role (PostgreSQL's `cert` method); otherwise answers an ErrorResponse.
final class StartupResponder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let log: ServerLog
    private let index: Int
    private var handshake: TLSConnectionInfo?
    private var buffered = ByteBuffer()
    private var startupDone = false

    init(log: ServerLog, index: Int) {
        self.log = log
        self.index = index
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let completed = event as? TLSHandshakeCompleted {
            handshake = completed.info
            log.update(index) { $0.handshake = completed.info }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TLSError {
            log.update(index) { $0.errors.append(error) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffered.writeBuffer(&bytes)
        while let length = buffered.getInteger(at: buffered.readerIndex, as: Int32.self).map(Int.init) {
            if startupDone {
                // Typed messages: a type byte, then the length. Only Terminate matters here.
                guard buffered.readableBytes >= 5 else { return }
                if buffered.readInteger(as: UInt8.self) == UInt8(ascii: "X") {
                    context.close(promise: nil)
                    return
                }
                let bodyLength = Int(buffered.readInteger(as: Int32.self)!) - 4
                guard buffered.readableBytes >= bodyLength else { return }
                buffered.moveReaderIndex(forwardBy: bodyLength)
                continue
            }
            guard buffered.readableBytes >= length, var startup = buffered.readSlice(length: length) else { return }
            startupDone = true
            startup.moveReaderIndex(forwardBy: 8)
            let fields =
                startup.readString(length: startup.readableBytes)?.split(separator: "\0").map(String.init) ?? []
            let user = stride(from: 0, to: fields.count - 1, by: 2).first { fields[$0] == "user" }.map {
                fields[$0 + 1]
            }
            let certificateName = handshake?.peerCertificate.map { $0.commonName ?? "" }
            let accepted = certificateName == nil || certificateName == user
            log.update(index) {
                $0.user = user
                $0.loggedIn = accepted
            }
            if accepted {
                context.writeAndFlush(wrapOutboundOut(BackendBytes.loginSucceeded()), promise: nil)
            } else {
                let message = "certificate authentication failed for user \"\(user ?? "")\""
                context.writeAndFlush(
                    wrapOutboundOut(BackendBytes.fatalError(code: "28000", message: message)), promise: nil)
                context.close(promise: nil)
            }
        }
    }
}
