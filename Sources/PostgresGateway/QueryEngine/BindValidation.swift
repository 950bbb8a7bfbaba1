import NIOCore
import PostgresWire

/// The checks PostgreSQL's `exec_bind_message` makes of a Bind before it creates the portal, with its errors: the
/// counts of parameter formats and values, each format code, text that is not valid in the client encoding, and
/// binary values of fixed-size types whose length is not the type's.
enum BindValidation {
    /// The error PostgreSQL answers `bind` of `statement` (named `name`) with, `nil` when it takes it; `utf8` says
    /// whether the client encoding is UTF-8 (text values are checked then).
    static func error(of bind: Bind, for statement: Parse, named name: String, utf8: Bool) -> DiagnosticMessage? {
        let formats = bind.parameterFormats
        let count = bind.parameters.count
        if formats.count > 1 && formats.count != count {
            return protocolViolation("bind message has \(formats.count) parameter formats but \(count) parameters")
        }
        let required = statement.parameterTypes.count
        if count != required {
            return protocolViolation(
                "bind message supplies \(count) parameters, but prepared statement \"\(name)\" requires \(required)")
        }
        for (index, value) in bind.parameters.enumerated() {
            let format = formats.code(at: index)
            guard format == .text || format == .binary else { return unsupportedFormat(format) }
            guard let value else { continue }
            let type = statement.parameterType(at: index)
            if format == .binary {
                if let error = binaryError(of: value, type: type, parameter: index + 1) { return error }
                guard textReceiveTypes.contains(type) else { continue }
            }
            if utf8, let error = invalidUTF8(value) { return error }
        }
        return nil
    }

    /// PostgreSQL's 22023 for a format code other than text (0) and binary (1).
    static func unsupportedFormat(_ format: FormatCode) -> DiagnosticMessage {
        DiagnosticMessage(severity: "ERROR", sqlState: "22023", message: "unsupported format code: \(format.rawValue)")
    }

    /// PostgreSQL's 08P01 (protocol violation) with `message`.
    static func protocolViolation(_ message: String) -> DiagnosticMessage {
        DiagnosticMessage(severity: "ERROR", sqlState: "08P01", message: message)
    }

    /// The 08P01 for a Bind with `count` result formats (more than one) of a query with `columns` columns, `nil`
    /// when they agree.
    static func resultFormatsError(count: Int, columns: Int) -> DiagnosticMessage? {
        guard count > 1, count != columns else { return nil }
        return protocolViolation("bind message has \(count) result formats but query has \(columns) columns")
    }

    /// Types whose binary receive function reads text in the client encoding (`pq_getmsgtext`), so it is checked
    /// as text is: text, varchar, bpchar, name, json, unknown.
    private static let textReceiveTypes: Set<UInt32> = [25, 1043, 1042, 19, 114, 705]

    /// The size of the binary form of fixed-size types, by OID: bool, char, int2, int4, int8, oid, xid, cid,
    /// regproc, regclass, regtype, float4, float8, money, date, time, timestamp(tz), interval, timetz, uuid, pg_lsn.
    private static let binarySizes: [UInt32: Int] = [
        16: 1, 18: 1, 21: 2, 23: 4, 20: 8, 26: 4, 28: 4, 29: 4, 24: 4, 2205: 4, 2206: 4, 700: 4, 701: 8, 790: 8,
        1082: 4, 1083: 8, 1114: 8, 1184: 8, 1186: 16, 1266: 12, 2950: 16, 3220: 8,
    ]

    /// The microseconds of a day, the end of the range of `time`.
    private static let microsecondsPerDay: Int64 = 86_400_000_000

    /// The error PostgreSQL's receive function of `type` (or the check after it) gives for binary `value` of
    /// parameter `parameter` (from 1): too few bytes are 08P01, too many 22P03, a `time` beyond a day 22008.
    private static func binaryError(of value: ByteBuffer, type: UInt32, parameter: Int) -> DiagnosticMessage? {
        guard let size = binarySizes[type] else { return nil }
        if value.readableBytes < size {
            // pq_getmsgbyte says so for a missing byte, pq_getmsgint and pq_copymsgbytes for missing bytes.
            return protocolViolation(size == 1 ? "no data left in message" : "insufficient data left in message")
        }
        // time_recv and timetz_recv check the range before PostgreSQL looks for bytes left over.
        if type == 1083 || type == 1266, let time = value.getInteger(at: value.readerIndex, as: Int64.self),
            time < 0 || time > microsecondsPerDay
        {
            return DiagnosticMessage(severity: "ERROR", sqlState: "22008", message: "time out of range")
        }
        guard value.readableBytes != size else { return nil }
        return DiagnosticMessage(
            severity: "ERROR", sqlState: "22P03", message: "incorrect binary data format in bind parameter \(parameter)"
        )
    }

    /// PostgreSQL's 22021 for `value` when it is not valid UTF-8.
    private static func invalidUTF8(_ value: ByteBuffer) -> DiagnosticMessage? {
        let isValid = value.withUnsafeReadableBytes { String(validating: $0, as: UTF8.self) != nil }
        guard !isValid else { return nil }
        return DiagnosticMessage.invalidUTF8(in: WireText.decode(value.readableBytesView))
    }
}
