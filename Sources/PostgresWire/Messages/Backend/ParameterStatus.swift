import NIOCore

/// ParameterStatus (`S`): the current value of a reported run-time parameter.
public struct ParameterStatus: Sendable, Hashable {
    /// The parameter name, such as `server_version`.
    public var name: String
    /// Its value.
    public var value: String

    /// A ParameterStatus reporting that `name` is `value`.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// Reads a ParameterStatus from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> ParameterStatus {
        ParameterStatus(
            name: try body.readCString(field: "parameter name"), value: try body.readCString(field: "value"))
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCString(name)
        buffer.writeCString(value)
    }
}
