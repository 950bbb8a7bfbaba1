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

    func send(_ bytes: ByteBuffer, messages: [FrontendMessage]) async throws {
        sent.withLockedValue { $0.append(bytes) }
    }

    func startTLS() async throws {
        throw CancellationError()
    }

    func cancel() async throws {
        cancels.withLockedValue { $0 += 1 }
    }
}
