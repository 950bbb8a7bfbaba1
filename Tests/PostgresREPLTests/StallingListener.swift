import Foundation
import PostgresTestSupport

/// A TCP listener on 127.0.0.1 that never accepts: a connection to it completes (the kernel queues it) and then
/// nothing is ever answered, as a server that hangs.
final class StallingListener {
    /// The port it listens on.
    let port: Int
    private let descriptor: Int32

    /// Listens on a free port.
    init() throws {
        (descriptor, port) = try FreeLoopbackPort.loopbackSocket(listening: true)
    }

    deinit {
        close(descriptor)
    }
}
