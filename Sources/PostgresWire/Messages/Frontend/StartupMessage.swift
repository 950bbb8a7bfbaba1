import NIOCore

/// StartupMessage: the protocol version and session parameters that open a connection.
public struct StartupMessage: Sendable, Hashable {
    /// One `name=value` startup parameter.
    public struct Parameter: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The requested protocol version.
    public var protocolVersion: ProtocolVersion
    /// The parameters in wire order (`user`, `database`, `options`, `replication`, GUCs, `_pq_.*`).
    public var parameters: [Parameter]

    public init(protocolVersion: ProtocolVersion = .v3_0, parameters: [Parameter]) {
        self.protocolVersion = protocolVersion
        self.parameters = parameters
    }

    /// The value of the first parameter called `name`.
    public subscript(name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    /// Decodes the packet body after the length and version word.
    static func decode(from body: inout ByteBuffer, version: ProtocolVersion) throws(WireFormatError) -> StartupMessage
    {
        var parameters: [Parameter] = []
        while true {
            let name = try body.readCString(field: "parameter name")
            if name.isEmpty {
                return StartupMessage(protocolVersion: version, parameters: parameters)
            }
            parameters.append(Parameter(name, try body.readCString(field: "value of parameter \(name)")))
        }
    }

    func encode(into buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        buffer.writeInteger(Int32(0))
        buffer.writeInteger(protocolVersion.rawValue)
        for parameter in parameters {
            buffer.writeCString(parameter.name)
            buffer.writeCString(parameter.value)
        }
        buffer.writeInteger(UInt8(0))
        buffer.setInteger(Int32(buffer.writerIndex - start), at: start)
    }
}
