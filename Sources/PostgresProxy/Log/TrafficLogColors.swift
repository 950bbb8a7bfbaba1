/// The ANSI colours of `pgw proxy`'s text log on a terminal: the time and connection number dim, the direction
/// and message type cyan for the client and green for the server, errors red, notices and warnings yellow,
/// connection events (opened, closed) bold.
enum TrafficLogColors {
    private static let reset = "\u{1B}[0m"
    private static let dim = "\u{1B}[2m"
    private static let bold = "\u{1B}[1m"
    private static let red = "\u{1B}[31m"
    private static let green = "\u{1B}[32m"
    private static let yellow = "\u{1B}[33m"
    private static let cyan = "\u{1B}[36m"

    /// `prefix` (time and connection number) dimmed, then `message` (`F|B Type fields…`) with its direction and
    /// type coloured, and the whole of an ErrorResponse red, of a NoticeResponse yellow.
    static func message(_ message: String, prefix: String, typeName: String, fromClient: Bool) -> String {
        let colour =
            switch typeName {
            case "ErrorResponse": red
            case "NoticeResponse": yellow
            default: fromClient ? cyan : green
            }
        let head = message.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard head.count == 3, typeName != "ErrorResponse", typeName != "NoticeResponse" else {
            return "\(dim)\(prefix)\(reset)\(colour)\(message)\(reset)"
        }
        return "\(dim)\(prefix)\(reset)\(colour)\(head[0]) \(bold)\(head[1])\(reset) \(head[2])"
    }

    /// A connection event line: a warning bold yellow, others bold.
    static func event(_ text: String, prefix: String, isWarning: Bool) -> String {
        "\(dim)\(prefix)\(reset)\(bold)\(isWarning ? yellow : "")\(text)\(reset)"
    }
}
