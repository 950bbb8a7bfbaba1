import PostgresWire

/// The arrivals `\expect` has not checked yet, oldest first, kept up to ``byteLimit`` bytes: an interactive session
/// that never uses `\expect` (a long `\auto-query` session, a large COPY) keeps a bounded tail, not everything.
struct UncheckedArrivals {
    /// The most message bytes kept; beyond it the oldest arrivals are dropped (and counted).
    static let byteLimit = 64 << 20

    private var messages: [DecodedMessage] = []
    /// The index of the oldest kept arrival in `messages` (taking one does not shift the array).
    private var head = 0
    private var keptBytes = 0
    /// Arrivals dropped unchecked since the last one taken.
    private var droppedSinceTaken = 0

    /// Whether no arrival is waiting.
    var isEmpty: Bool { head == messages.count }

    /// Keeps `message`, dropping the oldest arrivals while more than ``byteLimit`` bytes are kept.
    mutating func append(_ message: DecodedMessage) {
        messages.append(message)
        keptBytes += message.bytes.readableBytes
        while keptBytes > Self.byteLimit && head < messages.count - 1 {
            keptBytes -= messages[head].bytes.readableBytes
            head += 1
            droppedSinceTaken += 1
        }
        compact()
    }

    /// The oldest arrival, and how many older ones were dropped unchecked before it; `nil` when none waits.
    mutating func takeOldest() -> (message: DecodedMessage, droppedBefore: Int)? {
        guard !isEmpty else { return nil }
        let message = messages[head]
        head += 1
        keptBytes -= message.bytes.readableBytes
        defer { droppedSinceTaken = 0 }
        compact()
        return (message, droppedSinceTaken)
    }

    /// Removes the arrivals `shouldRemove` picks.
    mutating func removeAll(where shouldRemove: (DecodedMessage) -> Bool) {
        messages.removeFirst(head)
        head = 0
        messages.removeAll(where: shouldRemove)
        keptBytes = messages.reduce(0) { $0 + $1.bytes.readableBytes }
    }

    /// Frees the taken and dropped slots once they are the larger part of the array.
    private mutating func compact() {
        if head == messages.count {
            messages.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1_024 && head * 2 > messages.count {
            messages.removeFirst(head)
            head = 0
        }
    }
}
