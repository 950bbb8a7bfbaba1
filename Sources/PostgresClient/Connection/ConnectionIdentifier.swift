import NIOConcurrencyHelpers

/// Numbers the client connections of this process, for the `pgw.client.connection` log metadata.
enum ConnectionIdentifier {
    private static let counter = NIOLockedValueBox(0)

    /// The next number, from 1.
    static func next() -> Int {
        counter.withLockedValue {
            $0 += 1
            return $0
        }
    }
}
