import NIOCore

/// The few hand-written backend messages the test server needs (PostgreSQL protocol 3.0).
enum BackendBytes {
    /// AuthenticationOk, a few ParameterStatus messages, BackendKeyData and ReadyForQuery: a finished login.
    static func loginSucceeded() -> ByteBuffer {
        var buffer = ByteBuffer()
        message("R", into: &buffer) { $0.writeInteger(Int32(0)) }
        for (name, value) in [
            ("server_version", "15.0"), ("client_encoding", "UTF8"), ("standard_conforming_strings", "on"),
        ] {
            message("S", into: &buffer) { $0.writeString(name + "\0" + value + "\0") }
        }
        message("K", into: &buffer) {
            $0.writeInteger(Int32(4242))
            $0.writeInteger(Int32(24242))
        }
        message("Z", into: &buffer) { $0.writeString("I") }
        return buffer
    }

    /// A FATAL ErrorResponse with SQLSTATE `code`.
    static func fatalError(code: String, message text: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        message("E", into: &buffer) {
            $0.writeString("SFATAL\0VFATAL\0C\(code)\0M\(text)\0\0")
        }
        return buffer
    }

    private static func message(_ type: Character, into buffer: inout ByteBuffer, body: (inout ByteBuffer) -> Void) {
        buffer.writeInteger(type.asciiValue!)
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(Int32(0))
        body(&buffer)
        buffer.setInteger(Int32(buffer.writerIndex - lengthIndex), at: lengthIndex)
    }
}
