import PostgresWire

/// One read from one side of a relayed connection: which direction the bytes travelled, and how many.
struct CaptureSegment: Sendable, Equatable {
    var direction: MessageDirection
    var length: Int
}
