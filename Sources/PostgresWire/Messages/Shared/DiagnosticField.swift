/// The code of one field of an ErrorResponse or NoticeResponse.
///
/// Unknown codes are kept so they round-trip; PostgreSQL documents that clients must ignore them.
public struct DiagnosticField: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code byte.
    public var rawValue: UInt8

    /// The field with code byte `rawValue`, known or not.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// `S`: ERROR, FATAL, PANIC, WARNING, NOTICE, DEBUG, INFO or LOG, possibly localized.
    public static let localizedSeverity = DiagnosticField(rawValue: UInt8(ascii: "S"))
    /// `V`: the severity, never localized (PostgreSQL 9.6 and later).
    public static let severity = DiagnosticField(rawValue: UInt8(ascii: "V"))
    /// `C`: the SQLSTATE code.
    public static let sqlState = DiagnosticField(rawValue: UInt8(ascii: "C"))
    /// `M`: the primary human-readable message.
    public static let message = DiagnosticField(rawValue: UInt8(ascii: "M"))
    /// `D`: an optional secondary message with more detail.
    public static let detail = DiagnosticField(rawValue: UInt8(ascii: "D"))
    /// `H`: an optional suggestion what to do about the problem.
    public static let hint = DiagnosticField(rawValue: UInt8(ascii: "H"))
    /// `P`: a 1-based character index into the query string.
    public static let position = DiagnosticField(rawValue: UInt8(ascii: "P"))
    /// `p`: like position, but into an internally generated command.
    public static let internalPosition = DiagnosticField(rawValue: UInt8(ascii: "p"))
    /// `q`: the text of the failed internally generated command.
    public static let internalQuery = DiagnosticField(rawValue: UInt8(ascii: "q"))
    /// `W`: the context in which the error occurred, such as a call stack traceback.
    public static let context = DiagnosticField(rawValue: UInt8(ascii: "W"))
    /// `s`: the schema name, if the error is about a specific database object.
    public static let schemaName = DiagnosticField(rawValue: UInt8(ascii: "s"))
    /// `t`: the table name.
    public static let tableName = DiagnosticField(rawValue: UInt8(ascii: "t"))
    /// `c`: the column name.
    public static let columnName = DiagnosticField(rawValue: UInt8(ascii: "c"))
    /// `d`: the data type name.
    public static let dataTypeName = DiagnosticField(rawValue: UInt8(ascii: "d"))
    /// `n`: the constraint name.
    public static let constraintName = DiagnosticField(rawValue: UInt8(ascii: "n"))
    /// `F`: the source file where the error was reported.
    public static let file = DiagnosticField(rawValue: UInt8(ascii: "F"))
    /// `L`: the source line where the error was reported.
    public static let line = DiagnosticField(rawValue: UInt8(ascii: "L"))
    /// `R`: the source routine that reported the error.
    public static let routine = DiagnosticField(rawValue: UInt8(ascii: "R"))

    /// The name used in renderings, such as `"sqlState"`; unknown codes render as `"field_X"`.
    public var name: String {
        switch self {
        case .localizedSeverity: "localizedSeverity"
        case .severity: "severity"
        case .sqlState: "code"
        case .message: "message"
        case .detail: "detail"
        case .hint: "hint"
        case .position: "position"
        case .internalPosition: "internalPosition"
        case .internalQuery: "internalQuery"
        case .context: "where"
        case .schemaName: "schema"
        case .tableName: "table"
        case .columnName: "column"
        case .dataTypeName: "dataType"
        case .constraintName: "constraint"
        case .file: "file"
        case .line: "line"
        case .routine: "routine"
        default: "field_\(Character(Unicode.Scalar(rawValue)))"
        }
    }

    /// The value as text, as `String(describing:)` and string interpolation show it.
    public var description: String { name }
}
