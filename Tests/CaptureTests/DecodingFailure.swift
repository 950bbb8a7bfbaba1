import PostgresWire

/// A `SessionDecoder` failure event: the direction that stopped decoding, and why.
struct DecodingFailure: Sendable, Equatable, CustomStringConvertible {
    var direction: MessageDirection
    var error: WireDecodingError

    var description: String { "\(direction.rawValue): \(error)" }
}
