import NIOCore

/// StartupMessage: the protocol version and session parameters that open a connection.
public struct StartupMessage: Sendable, Hashable {
    /// One `name=value` startup parameter.
    public struct Parameter: Sendable, Hashable {
        /// The parameter's name.
        public var name: String
        /// Its value.
        public var value: String

        /// The parameter `name=value`.
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The requested protocol version.
    public var protocolVersion: ProtocolVersion
    /// The parameters in wire order (`user`, `database`, `options`, `replication`, GUCs, `_pq_.*`).
    public var parameters: [Parameter]
    /// The body as sent when the version is not 3.x and the body is not `name=value` pairs (protocol 2.0's
    /// fixed-width fields, say); `parameters` is then empty. `nil` for every well-formed body.
    public var unparsedBody: ByteBuffer?

    /// A StartupMessage for `protocolVersion` (3.0 by default) with `parameters`.
    public init(protocolVersion: ProtocolVersion = .v3_0, parameters: [Parameter], unparsedBody: ByteBuffer? = nil) {
        self.protocolVersion = protocolVersion
        self.parameters = parameters
        self.unparsedBody = unparsedBody
    }

    /// Whether PostgreSQL accepts the version: major version 3, any minor version (it negotiates the minor one
    /// down). PostgreSQL answers other versions with an error: versions before 3.0 get it in the pre-3.0
    /// format (``DiagnosticMessage/legacy(_:)``).
    public var isProtocolVersionSupported: Bool { protocolVersion.major == 3 }

    /// Whether PostgreSQL answers this request in the pre-3.0 format (a version before 3.0).
    public var expectsLegacyReply: Bool { protocolVersion.major < 3 }

    /// The value of the first parameter called `name`.
    public subscript(name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    /// Decodes the packet body after the length and version word, all of it.
    ///
    /// A 3.x body must be `name=value` pairs; the body of any other version is kept as sent when it is not.
    static func decode(from body: inout ByteBuffer, version: ProtocolVersion) throws(WireFormatError) -> StartupMessage
    {
        var pairs = body
        do {
            let parameters = try readParameters(from: &pairs)
            try pairs.expectFullyRead()
            body = pairs
            return StartupMessage(protocolVersion: version, parameters: parameters)
        } catch {
            guard version.major != 3 else { throw error }
            return StartupMessage(protocolVersion: version, parameters: [], unparsedBody: body.readRemainingSlice())
        }
    }

    private static func readParameters(from body: inout ByteBuffer) throws(WireFormatError) -> [Parameter] {
        var parameters: [Parameter] = []
        while true {
            let name = try body.readCString(field: "parameter name")
            if name.isEmpty {
                return parameters
            }
            parameters.append(Parameter(name, try body.readCString(field: "value of parameter \(name)")))
        }
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        buffer.writeInteger(Int32(0))
        buffer.writeInteger(protocolVersion.rawValue)
        if let unparsedBody {
            buffer.writeImmutableBuffer(unparsedBody)
        } else {
            for parameter in parameters {
                buffer.writeCString(parameter.name)
                buffer.writeCString(parameter.value)
            }
            buffer.writeInteger(UInt8(0))
        }
        buffer.setInteger(Int32(buffer.writerIndex - start), at: start)
    }
}
