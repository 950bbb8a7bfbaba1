/// Lines for standard error about a capture (a malformed message, a damaged file), with their place in the capture:
/// the failures of a capture decoded in shares (see ``DecodeCommand/decodeCapture(_:printer:)``) are put back in the
/// order one decoder would have found them in.
struct DecodeFailure: Sendable {
    /// The number of packets decoded before the one that showed it (all of them, at the end of the capture).
    var packet: Int
    /// The connection it concerns (0 for the file itself, which comes first at the end of the capture, as the end
    /// of the capture closes the connections in their order).
    var connection: Int
    /// The lines.
    var lines: [String]

    /// The lines of `failures` from every share, in capture order.
    static func lines(of failures: [DecodeFailure]) -> [String] {
        // Sorted with their original positions as the last key: the order within a share is kept.
        failures.enumerated()
            .sorted {
                ($0.element.packet, $0.element.connection, $0.offset) < (
                    $1.element.packet, $1.element.connection, $1.offset
                )
            }
            .flatMap(\.element.lines)
    }
}
