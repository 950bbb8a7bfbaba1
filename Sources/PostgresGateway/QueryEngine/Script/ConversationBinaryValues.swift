import NIOCore
import PostgresWire

/// Puts back in binary form the binary values of a conversation's DataRow lines that `pgw decode` shows by their
/// type (`DataRow [42, "2024-02-29 12:34:56+00", true]` for asyncpg's binary int4, timestamptz and bool columns), so
/// that a pasted session sends the bytes that were captured, not their text.
///
/// The conversation's lines are followed as `pgw decode` followed the connection (``ValueTypeTracker``: Parse,
/// ParameterDescription, Bind's result formats, RowDescription), so a column is re-encoded exactly when decode showed
/// it typed: binary, of a type ``BinaryValueEncoder`` handles, and written as that type's text output. A bytea's
/// value is already its bytes (decode shows it in hex, `"\\x41"`, which the text form reads as those bytes); a value
/// that is not such text (decode showed it raw because it did not decode) is kept as written.
enum ConversationBinaryValues {
    /// `steps` with the typed binary values of their DataRow lines in binary form.
    static func encoded(_ steps: [ConversationStep]) -> [ConversationStep] {
        var types = ValueTypeTracker()
        // A conversation may start after the startup (its first ReadyForQuery answers a statement).
        types.reset()
        return steps.map { step in
            switch step.message.message {
            case .frontend(let message)?:
                _ = types.observe(message)
                return step
            case .backend(let message)?:
                guard let columnTypes = types.observe(message), case .dataRow(let row) = message,
                    step.message.alterations.isEmpty, columnTypes.count == row.columnCount
                else { return step }
                var columns = row.columns
                for (index, type) in columnTypes.enumerated() where type.format == .binary {
                    guard let value = columns[index], let binary = binaryForm(of: value, type: type.oid) else {
                        continue
                    }
                    columns[index] = binary
                }
                guard columns != row.columns else { return step }
                var changed = step
                let dataRow = WireMessage.backend(.dataRow(DataRow(columns: columns)))
                var bytes = ByteBuffer()
                dataRow.encode(into: &bytes)
                changed.message = TextFormLine(message: dataRow, bytes: bytes)
                return changed
            case nil:
                return step
            }
        }
    }

    /// The binary form of `value`, a typed value's text as decode shows it, as a value of type `oid`; `nil` for a
    /// bytea (already its bytes), a type the encoder does not handle, or text that is not a value of the type.
    private static func binaryForm(of value: ByteBuffer, type oid: UInt32) -> ByteBuffer? {
        guard oid != 17, oid != 1001, BinaryValueEncoder.supports(oid),
            var text = String(validating: value.readableBytesView, as: UTF8.self)
        else { return nil }
        // Decode shows a bool as `true` or `false`; PostgreSQL's output form is `t` or `f`.
        if oid == 16 { text = text == "true" ? "t" : text == "false" ? "f" : text }
        return BinaryValueEncoder.encode(text, type: oid)
    }
}
