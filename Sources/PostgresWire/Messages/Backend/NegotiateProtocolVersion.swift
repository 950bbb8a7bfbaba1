import NIOCore

/// NegotiateProtocolVersion (`v`): the server supports an older minor version or not all `_pq_.` options.
public struct NegotiateProtocolVersion: Sendable, Hashable {
    /// The newest minor protocol version the server supports for the requested major version.
    public var newestMinorVersion: UInt32
    /// The startup options the server did not recognize.
    public var unrecognizedOptions: [String]

    public init(newestMinorVersion: UInt32, unrecognizedOptions: [String]) {
        self.newestMinorVersion = newestMinorVersion
        self.unrecognizedOptions = unrecognizedOptions
    }

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

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(newestMinorVersion)
        buffer.writeInteger(Int32(unrecognizedOptions.count))
        for option in unrecognizedOptions {
            buffer.writeCString(option)
        }
    }
}
