import PostgresCapture
import PostgresWire

/// Follows the round trips and statements of one connection through its decoded messages, in conversation order
/// (``StatementTracker``): each round trip's start time, the text of what it names, and the statements it executes
/// (each Execute by the text its prepared statement was parsed with, the unnamed statement's too); with timestamps, a
/// completed round trip has its latency.
///
/// Bytes a capture lacks (a gap) or decoding skipped (a malformed message) make the pairing uncertain: a
/// ReadyForQuery may have been lost (the next one would end an older round trip than its own), or a request (its
/// ReadyForQuery would end a later one). From there on no round trip is timed until the tracker is in step again:
/// at a ReadyForQuery that comes after both directions resumed at a message boundary, which ends the round trips
/// still waiting (their statements counted, untimed); the next request starts a timed round trip again.
struct DecodeStatementTracker {
    /// The most prepared statements' (and portals') texts kept; past it they are forgotten (such statements show no
    /// text).
    static let preparedStatementLimit = 10_000

    private var roundTrips = StatementTracker<DecodeRoundTrip>()
    /// The text of each prepared statement by name (the unnamed one's under ""), for the messages that use it.
    private var preparedTexts: [String: String] = [:]
    /// The text of each portal's statement by portal name (the unnamed portal's under ""), for its Execute.
    private var portalTexts: [String: String] = [:]
    /// Whether lost bytes made it uncertain which round trip a ReadyForQuery ends: none is timed until in step.
    private(set) var isOutOfStep = false
    /// The directions that lost bytes and have not resumed at a message boundary since.
    private var resumingDirections: Set<MessageDirection> = []

    /// Takes bytes of `direction` that are lost (missing from the capture, or skipped after a malformed message):
    /// no round trip is timed from here until the tracker is in step again (nor the one being sent, which may have
    /// lost its Sync).
    mutating func lostBytes(of direction: MessageDirection) {
        isOutOfStep = true
        resumingDirections.insert(direction)
        roundTrips.updateStatementBeingSent { $0.start = nil }
    }

    /// Takes the decoding of `direction` resuming at a message boundary, after lost bytes.
    mutating func resumed(_ direction: MessageDirection) {
        resumingDirections.remove(direction)
    }

    /// The text of the statement `message` parses, binds, describes or executes (a Query's own text); `nil` for
    /// other messages and for statements whose Parse was not seen.
    func statementText(of message: FrontendMessage) -> String? {
        switch message {
        case .query(let query): query.text
        case .parse(let parse): parse.query
        case .bind(let bind): preparedTexts[bind.statement]
        case .describe(let target): target.kind == .statement ? preparedTexts[target.name] : portalTexts[target.name]
        case .execute(let execute): portalTexts[execute.portal]
        default: nil
        }
    }

    /// Takes the next message of the connection; returns the round trip that `message` completed, if any.
    mutating func observe(_ message: WireMessage, at time: CaptureTimestamp?) -> DecodeRoundTrip? {
        switch message {
        case .frontend(.startup):
            roundTrips.clientSentStartup()
        case .frontend(let frontend):
            guard let typeByte = frontend.typeByte else { return nil }
            let text = statementText(of: frontend)
            roundTrips.clientSent(typeByte) {
                var roundTrip = DecodeRoundTrip(text: text, start: isOutOfStep ? nil : time)
                switch frontend {
                case .query(let query): roundTrip.execute(query.text)
                case .functionCall: roundTrip.execute("")
                default: break
                }
                return roundTrip
            }
            switch frontend {
            case .parse(let parse):
                Self.remember(parse.query, as: parse.name, in: &preparedTexts)
            case .bind(let bind):
                Self.remember(preparedTexts[bind.statement], as: bind.portal, in: &portalTexts)
            case .close(let target):
                if target.kind == .statement {
                    preparedTexts[target.name] = nil
                } else {
                    portalTexts[target.name] = nil
                }
            case .execute:
                roundTrips.updateStatementBeingSent { $0.execute(text ?? "") }
            default:
                break
            }
            if text != nil { roundTrips.updateStatementBeingSent { if $0.text == nil { $0.text = text } } }
        case .backend(.readyForQuery):
            var ended = roundTrips.serverSentReadyForQuery()
            // Out of step, a round trip ends untimed (no latency).
            if isOutOfStep {
                guard resumingDirections.isEmpty else { return ended }
                // In step again: whatever still waits was answered before (its ReadyForQuery lost) or by this one.
                isOutOfStep = false
                for givenUp in roundTrips.removeWaiting() {
                    if ended == nil { ended = givenUp } else { ended!.add(statementsOf: givenUp) }
                }
                return ended
            }
            guard var roundTrip = ended else { return nil }
            if let start = roundTrip.start, let time {
                roundTrip.latency = StatementLatency(nanoseconds: time.nanoseconds(since: start))
            }
            return roundTrip
        default:
            break
        }
        return nil
    }

    /// Keeps `text` (forgets it when `nil`) under `name` in `texts`, which holds at most
    /// ``preparedStatementLimit`` texts.
    private static func remember(_ text: String?, as name: String, in texts: inout [String: String]) {
        if text != nil && texts[name] == nil && texts.count >= Self.preparedStatementLimit { texts.removeAll() }
        texts[name] = text
    }
}
