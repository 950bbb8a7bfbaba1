import Logging
import PostgresWire

/// A log handler that writes each event on one line of standard error: control characters in the message and the
/// metadata (a client's user name, an SNI name, an error's text) are escaped by ``OneLineText`` (`\n`, `\t`,
/// `\x1b`), so no client can start a line of its own in the log (forge an entry) or send the terminal
/// escape sequences.
struct OneLineLogHandler: LogHandler {
    private var stream: StreamLogHandler

    /// A handler writing to standard error under `label`.
    init(label: String) {
        stream = StreamLogHandler.standardError(label: label)
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { stream.metadata }
        set { stream.metadata = newValue.mapValues(Self.escaped) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { stream[metadataKey: key] }
        set { stream[metadataKey: key] = newValue.map(Self.escaped) }
    }

    func log(event: LogEvent) {
        var event = event
        event.message = Logger.Message(stringLiteral: OneLineText.escaped(event.message.description))
        event.metadata = event.metadata?.mapValues(Self.escaped)
        stream.log(event: event)
    }

    /// `value` with its strings escaped (a list or dictionary as its elements).
    private static func escaped(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(OneLineText.escaped(text))
        case .stringConvertible(let convertible): .string(OneLineText.escaped(convertible.description))
        case .array(let values): .array(values.map(escaped))
        case .dictionary(let values): .dictionary(values.mapValues(escaped))
        }
    }
}
