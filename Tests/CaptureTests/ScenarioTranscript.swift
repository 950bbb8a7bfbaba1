import PostgresWire
import Testing

/// The decoded connections of one client scenario, and the questions tests ask about them.
struct ScenarioTranscript: Sendable, CustomStringConvertible {
    let scenario: String
    /// Each captured connection decoded in one pass, in the order the relay accepted them.
    let connections: [CaptureDecoding]

    /// Every message sent in `direction` on any connection.
    func messages(_ direction: MessageDirection) -> [DecodedMessage] {
        connections.flatMap { $0.messages(direction) }
    }

    /// The ErrorResponse bodies the server sent on any connection.
    var errorResponses: [DiagnosticMessage] {
        messages(.backend).compactMap {
            if case .backend(.errorResponse(let diagnostic)) = $0.message { diagnostic } else { nil }
        }
    }

    /// The NoticeResponse bodies the server sent on any connection.
    var noticeResponses: [DiagnosticMessage] {
        messages(.backend).compactMap {
            if case .backend(.noticeResponse(let diagnostic)) = $0.message { diagnostic } else { nil }
        }
    }

    /// Records an issue for each of `typeNames` that no connection sent in `direction`.
    func expectMessages(
        _ typeNames: [String],
        from direction: MessageDirection,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let seen = Set(messages(direction).map(\.message.typeName))
        let missing = typeNames.filter { !seen.contains($0) }
        if !missing.isEmpty {
            Issue.record(
                "\(scenario): no \(direction.rawValue) \(missing.joined(separator: ", ")) decoded. Transcript:\n\(self)",
                sourceLocation: sourceLocation)
        }
    }

    /// Records an issue for each of `typeNames` that some connection sent in `direction`.
    func expectNoMessages(
        _ typeNames: [String],
        from direction: MessageDirection,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let seen = Set(messages(direction).map(\.message.typeName))
        let present = typeNames.filter { seen.contains($0) }
        if !present.isEmpty {
            Issue.record(
                "\(scenario): unexpected \(direction.rawValue) \(present.joined(separator: ", ")). Transcript:\n\(self)",
                sourceLocation: sourceLocation)
        }
    }

    /// Records an issue unless the server sent an ErrorResponse with `sqlState`.
    func expectError(sqlState: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let states = errorResponses.map { $0.sqlState ?? "(none)" }
        if !states.contains(sqlState) {
            Issue.record(
                "\(scenario): no ErrorResponse with SQLSTATE \(sqlState); got \(states)",
                sourceLocation: sourceLocation)
        }
    }

    /// One line per connection and direction, with repeated message names collapsed.
    var description: String {
        connections.flatMap { connection in
            MessageDirection.allCases.map { direction in
                "  #\(connection.capture.index) \(direction.rawValue): \(Self.collapse(connection.typeNames(direction)))"
            }
        }
        .joined(separator: "\n")
    }

    private static func collapse(_ names: [String]) -> String {
        var parts: [String] = []
        var index = names.startIndex
        while index < names.endIndex {
            let name = names[index]
            let end = names[index...].firstIndex { $0 != name } ?? names.endIndex
            let count = end - index
            parts.append(count > 1 ? "\(name)×\(count)" : name)
            index = end
        }
        let shown = parts.prefix(60).joined(separator: ", ")
        return parts.count > 60 ? shown + ", … (\(parts.count - 60) more)" : shown
    }
}
