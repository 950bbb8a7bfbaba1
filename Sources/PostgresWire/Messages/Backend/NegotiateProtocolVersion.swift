import NIOCore

/// NegotiateProtocolVersion (`v`): the server supports an older minor version or not all `_pq_.` options.
public struct NegotiateProtocolVersion: Sendable, Hashable {
    /// The newest protocol version the server supports for the requested major version, as sent. The protocol
    /// documentation calls it the minor version, but PostgreSQL sends the whole version number (`3 << 16 | minor`,
    /// 196608 for 3.0), and libpq reads it so; ``newestVersion`` reads either form.
    public var newestMinorVersion: UInt32
    /// The startup options the server did not recognize.
    public var unrecognizedOptions: [String]

    /// A NegotiateProtocolVersion with the version field as sent and the unrecognized options.
    public init(newestMinorVersion: UInt32, unrecognizedOptions: [String]) {
        self.newestMinorVersion = newestMinorVersion
        self.unrecognizedOptions = unrecognizedOptions
    }

    /// The newest version the server supports, whether the field holds the whole version number or the minor alone.
    public var newestVersion: ProtocolVersion {
        newestMinorVersion > 0xFFFF
            ? ProtocolVersion(rawValue: newestMinorVersion)
            : ProtocolVersion(major: 3, minor: UInt16(newestMinorVersion))
    }

    /// Reads a NegotiateProtocolVersion from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> NegotiateProtocolVersion {
        let newestMinorVersion = try body.readWireInteger(as: UInt32.self, field: "newest minor version")
        let count = try body.readWireInteger(as: Int32.self, field: "option count")
        guard count >= 0 else { throw .negativeLength(field: "option count", value: Int64(count)) }
        var options: [String] = []
        for _ in 0..<count {
            options.append(try body.readCString(field: "option name"))
        }
        return NegotiateProtocolVersion(newestMinorVersion: newestMinorVersion, unrecognizedOptions: options)
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(newestMinorVersion)
        buffer.writeInteger(Int32(unrecognizedOptions.count))
        for option in unrecognizedOptions {
            buffer.writeCString(option)
        }
    }
}
