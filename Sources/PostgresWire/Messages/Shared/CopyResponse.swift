import NIOCore

/// The body of CopyInResponse, CopyOutResponse and CopyBothResponse.
public struct CopyResponse: Sendable, Hashable {
    /// The overall format: 0 textual, 1 binary.
    public var format: Int8
    /// One format code per column.
    public var columnFormats: [FormatCode]

    /// A response body with the overall `format` and one format code per column.
    public init(format: Int8, columnFormats: [FormatCode]) {
        self.format = format
        self.columnFormats = columnFormats
    }

    /// Reads a CopyResponse from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> CopyResponse {
        let format = try body.readWireInteger(as: Int8.self, field: "overall format")
        let columnFormats = try body.readCountedArray(field: "column formats") { buffer throws(WireFormatError) in
            try FormatCode.read(from: &buffer, field: "column format")
        }
        return CopyResponse(format: format, columnFormats: columnFormats)
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(format)
        buffer.writeCountedArray(columnFormats) { $0.writeInteger($1.rawValue) }
    }
}
