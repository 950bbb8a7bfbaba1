import NIOCore
import PostgresWire

/// Decodes exactly one frontend message that fills `bytes`; the decoder starts in `phase`.
func decodeOneFrontend(
    _ bytes: ByteBuffer,
    phase: FrontendMessageDecoder.Phase = .messages,
    after request: Authentication? = nil
) throws -> FrontendMessage? {
    var decoder = FrontendMessageDecoder(phase: phase)
    if let request { decoder.observe(.authentication(request)) }
    var buffer = bytes
    let message = try decoder.decode(from: &buffer)
    return buffer.readableBytes == 0 ? message : nil
}

/// Decodes exactly one backend message that fills `bytes`, after the client's startup packet.
func decodeOneBackend(_ bytes: ByteBuffer, after request: FrontendMessage = .startup(StartupMessage(parameters: [])))
    throws -> BackendMessage?
{
    var decoder = BackendMessageDecoder()
    decoder.observe(request)
    var buffer = bytes
    let message = try decoder.decode(from: &buffer)
    return buffer.readableBytes == 0 ? message : nil
}

func encoded(_ message: FrontendMessage) -> ByteBuffer {
    var buffer = ByteBuffer()
    message.encode(into: &buffer)
    return buffer
}

func encoded(_ message: BackendMessage) -> ByteBuffer {
    var buffer = ByteBuffer()
    message.encode(into: &buffer)
    return buffer
}

/// Every frontend and backend golden vector as a decoded message at `offset`.
func decodedGoldenVectors(offset: Int = 0) -> [DecodedMessage] {
    FrontendGoldenTests.vectors.map { DecodedMessage(message: .frontend($0.message), offset: offset, bytes: $0.bytes) }
        + BackendGoldenTests.vectors.map {
            DecodedMessage(message: .backend($0.message), offset: offset, bytes: $0.bytes)
        }
}
