import NIOConcurrencyHelpers
import NIOCore
import PostgresREPL
import PostgresWire

/// A transport that keeps what the session sends, for tests without a server.
final class RecordingTransport: REPLTransport {
    private let sent = NIOLockedValueBox<[ByteBuffer]>([])
    private let cancels = NIOLockedValueBox(0)

    /// Each send's bytes, in order.
    var sends: [[UInt8]] { sent.withLockedValue { $0.map { Array($0.readableBytesView) } } }
    /// How many CancelRequests were asked for.
    var cancelCount: Int { cancels.withLockedValue { $0 } }

    /// The side whose messages are typed: frontend (client mode) or backend (server mode).
    let direction: MessageDirection

    /// A recorder for lines of `direction`'s messages.
    init(direction: MessageDirection = .frontend) {
        self.direction = direction
    }

    func send(_ bytes: ByteBuffer, messages: [WireMessage]) async throws {
        sent.withLockedValue { $0.append(bytes) }
    }

    func startTLS() async throws {
        throw CancellationError()
    }

    func startAutomaticStartup() async throws -> [Int] {
        throw CancellationError()
    }

    func cancel() async throws {
        cancels.withLockedValue { $0 += 1 }
    }
}
