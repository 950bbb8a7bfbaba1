import PostgresWire
import Testing

@testable import PostgresGateway

/// Malformed messages as PostgreSQL 15 answers them: after login, a whole message it cannot read is an ERROR and
/// the session goes on; a broken frame is FATAL; a malformed CancelRequest, or bytes after one, get no answer.
struct ConnectionStateMachineMalformedTests {
    typealias Machine = ConnectionStateMachineTests

    static func ready() -> ConnectionStateMachine {
        var machine = Machine.machine(.none)
        Machine.started(&machine)
        _ = machine.startupHookCompleted(handled: false)
        return machine
    }

    static func error(_ type: String, _ reason: WireFormatError) -> WireDecodingError {
        WireDecodingError(offset: 30, messageType: type, reason: reason)
    }

    @Test(arguments: [
        (
            "D", "Describe", WireFormatError.invalidValue(field: "object kind", value: 88),
            "invalid DESCRIBE message subtype 88"
        ),
        ("C", "Close", .invalidValue(field: "object kind", value: 88), "invalid CLOSE message subtype 88"),
        ("Q", "Query", .missingTerminator(field: "query"), "invalid string in message"),
        ("S", "Sync", .trailingBytes(count: 2), "invalid message format"),
        ("E", "Execute", .truncated(field: "row limit"), "insufficient data left in message"),
        ("B", "Bind", .negativeLength(field: "parameter length", value: -2), "insufficient data left in message"),
    ])
    func unreadableBodiesAreAnErrorAndTheSessionGoesOn(
        type: Character, name: String, reason: WireFormatError, message: String
    ) {
        var machine = Self.ready()
        let action = machine.decodingFailed(Self.error(name, reason), typeByte: type.asciiValue!)
        #expect(
            action
                == .rejectMessage(
                    typeByte: type.asciiValue!,
                    DiagnosticMessage(severity: "ERROR", sqlState: "08P01", message: message)))
        #expect(machine.messageReceived(.sync, hasUnprocessedBytes: false) == .deliver(.sync))
    }

    @Test func brokenFramesAndTerminateEndTheSession() {
        var machine = Self.ready()
        let long = Self.error("Query", .messageTooLong(length: 70_000, limit: 65_536))
        guard case .closeWithError(let error) = machine.decodingFailed(long, typeByte: UInt8(ascii: "Q")) else {
            Issue.record("expected FATAL")
            return
        }
        #expect(error.severity == "FATAL" && error.message == "invalid message length")
        var terminating = Self.ready()
        #expect(
            terminating.decodingFailed(Self.error("Terminate", .trailingBytes(count: 1)), typeByte: UInt8(ascii: "X"))
                == .close)
    }

    @Test func malformedCancelRequestsAreClosedWithoutAnswer() {
        var short = Machine.machine(.none)
        let truncated = WireDecodingError(offset: 0, messageType: "CancelRequest", reason: .truncated(field: "key"))
        #expect(short.decodingFailed(truncated) == .close)
        // Bytes after a CancelRequest, which closed the connection.
        var cancelled = Machine.machine(.none)
        _ = cancelled.messageReceived(
            .cancelRequest(CancelRequest(processID: 7, secretKey: [0, 0, 0, 8])), hasUnprocessedBytes: false)
        let after = WireDecodingError(
            offset: 16, messageType: nil, reason: .unexpectedBytes(count: 7, context: "after CancelRequest"))
        #expect(cancelled.decodingFailed(after) == .none)
    }
}
