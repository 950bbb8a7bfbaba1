import NIOCore
import PostgresWire

/// The client's messages after authentication, as an async sequence with backpressure: while the consumer
/// lags, the connection stops reading from the client.
///
/// Get it with ``PostgresServerConnection/messages()``. It carries the messages that no ``PostgresServerConnectionHooks/onMessage``
/// hook handled, and ends when the connection closes. It has a single consumer.
public struct FrontendMessageStream: AsyncSequence, Sendable {
    public typealias Element = FrontendMessage

    typealias Producer = NIOAsyncSequenceProducer<
        FrontendMessage, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, Delegate
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

        public mutating func next() async -> FrontendMessage? {
            await base.next()
        }
    }
}
