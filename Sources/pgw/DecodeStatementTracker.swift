import PostgresCapture
import PostgresWire

/// Follows the round trips and statements of one connection through its decoded messages, in conversation order
/// (``StatementTracker``): each round trip's start time, the text of what it names, and the statements it executes
/// (each Execute by the text its prepared statement was parsed with, the unnamed statement's too); with timestamps, a
/// completed round trip has its latency.
struct DecodeStatementTracker {
    /// The most prepared statements' (and portals') texts kept; past it they are forgotten (such statements show no
    /// text).
    static let preparedStatementLimit = 10_000

    private var roundTrips = StatementTracker<DecodeRoundTrip>()
    /// The text of each prepared statement by name (the unnamed one's under ""), for the messages that use it.
    private var preparedTexts: [String: String] = [:]
    /// The text of each portal's statement by portal name (the unnamed portal's under ""), for its Execute.
    private var portalTexts: [String: String] = [:]

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
                var roundTrip = DecodeRoundTrip(text: text, start: time)
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
            guard var roundTrip = roundTrips.serverSentReadyForQuery() else { return nil }
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
