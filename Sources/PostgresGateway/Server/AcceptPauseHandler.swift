import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Pauses accepting on a listening channel for ``pause`` after `accept()` fails for want of resources (EMFILE,
/// ENFILE, ENOBUFS, ENOMEM), and logs each failure once, as pgbouncer logs it: `accept() failed: Too many open
/// files`.
///
/// The listening socket stays readable while the connection waits in the backlog, so accepting on at once would
/// spin the event loop at full CPU without serving anyone (NIO's `AcceptBackoffHandler` leaves the socket
/// registered for reading: its delayed `read()` does not stop the retries). Turning `autoRead` off takes the socket
/// out of the event loop's polling until the pause ends.
final class AcceptPauseHandler: ChannelInboundHandler, RemovableChannelHandler {
    /// An accepted child channel, passed on.
    typealias InboundIn = any Channel
    /// The child channel, unchanged.
    typealias InboundOut = any Channel

    /// How long accepting pauses.
    let pause: TimeAmount
    private let logger: Logger
    private var resumption: Scheduled<Void>?

    /// A handler that pauses for `pause` and logs to `logger`.
    init(pause: TimeAmount = .seconds(1), logger: Logger) {
        self.pause = pause
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError, [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errnoCode) else {
            context.fireErrorCaught(error)
            return
        }
        logger.error("accept() failed: \(String(cString: strerror(error.errnoCode)))")
        guard resumption == nil else { return }
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        resumption = context.eventLoop.assumeIsolated().scheduleTask(in: pause) {
            self.resumption = nil
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        resumption?.cancel()
        resumption = nil
        context.fireChannelInactive()
    }
}
