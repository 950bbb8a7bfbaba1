import NIOCore

/// Messages from the other side of a connection, as an async sequence with backpressure: while the consumer lags,
/// the connection stops reading from its peer.
///
/// The server side hands out `MessageStream<FrontendMessage>` (the client's messages no hook handled) and the client
/// side `MessageStream<BackendMessage>`. A stream has a single consumer and ends when the connection closes; the
/// client side's stream throws the reason when the connection broke (a TLS or decoding failure) rather than closed,
/// while the server side answers such failures itself (08P01 and a close) and just ends.
public struct MessageStream<Message: Sendable>: AsyncSequence, Sendable {
    /// One message from the other side.
    public typealias Element = Message

    /// The NIO producer behind the stream; connections make one with ``makeProducer(resume:)``.
    package typealias Producer = NIOThrowingAsyncSequenceProducer<
        Message, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, Delegate
    >

    /// Calls `resume` when the consumer wants more (and when it stops consuming, so the producer lets go).
    package struct Delegate: NIOAsyncSequenceProducerDelegate {
        let resume: @Sendable () -> Void

        package func produceMore() { resume() }
        package func didTerminate() { resume() }
    }

    /// The NIO sequence the messages come from.
    let producer: Producer

    /// A stream and the source a connection yields into: the source says `.stopProducing` beyond 64 waiting
    /// messages, and `resume` runs once the consumer is down to 16 (or gone).
    package static func makeProducer(resume: @escaping @Sendable () -> Void) -> (
        stream: MessageStream, source: Producer.Source
    ) {
        let sequence = Producer.makeSequence(
            backPressureStrategy: .init(lowWatermark: 16, highWatermark: 64),
            finishOnDeinit: true,
            delegate: Delegate(resume: resume)
        )
        return (MessageStream(producer: sequence.sequence), sequence.source)
    }

    /// An iterator over the messages; a stream has a single consumer.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: producer.makeAsyncIterator())
    }

    /// Iterates the messages.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator

        /// The next message, or `nil` once the stream ended; throws the reason if a client connection broke.
        public mutating func next() async throws -> Message? {
            try await base.next()
        }
    }
}
