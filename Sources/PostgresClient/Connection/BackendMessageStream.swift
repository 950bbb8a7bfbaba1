import NIOCore
import PostgresWire

/// The server's messages after the connection opened, as an async sequence with backpressure: while the
/// consumer lags, the connection stops reading from the server.
///
/// Get it with ``PostgresClientConnection/messages()``. It ends when the connection closes, throwing the
/// reason when it broke (a TLS or decoding failure). It has a single consumer.
public struct BackendMessageStream: AsyncSequence, Sendable {
    public typealias Element = BackendMessage

    typealias Producer = NIOThrowingAsyncSequenceProducer<
        BackendMessage, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, Delegate
    >

    /// Resumes reading when the consumer catches up.
    struct Delegate: NIOAsyncSequenceProducerDelegate {
        let resume: @Sendable () -> Void

        func produceMore() { resume() }
        func didTerminate() { resume() }
    }

    let producer: Producer

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: producer.makeAsyncIterator())
    }

    /// Iterates the messages.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator

        public mutating func next() async throws -> BackendMessage? {
            try await base.next()
        }
    }
}
