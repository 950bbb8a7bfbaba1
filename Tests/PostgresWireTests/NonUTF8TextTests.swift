import NIOCore
import PostgresWire
import Testing

/// Text that is not UTF-8 (a LATIN1 client): decoded, shown escaped, JSON as bytes, re-encoded byte for byte.
@Suite("text that is not UTF-8")
struct NonUTF8TextTests {
    /// A Query whose text is LATIN1 `select 'café'`, then a Terminate.
    static let latin1Query: [UInt8] = [UInt8(ascii: "Q"), 0, 0, 0, 18] + Array("select 'caf".utf8) + [0xE9, 0x27, 0]

    @Test("decoding goes on; text shows the byte escaped, JSON gives the bytes in hex, encoding restores them")
    func latin1Query() throws {
        var decoder = FrontendMessageDecoder(phase: .messages)
        var buffer = ByteBuffer(bytes: Self.latin1Query + [UInt8(ascii: "X"), 0, 0, 0, 4])
        let query = try #require(try decoder.decode(from: &buffer))
        #expect(try decoder.decode(from: &buffer) == .terminate)
        let decoded = DecodedMessage(
            message: .frontend(query), offset: 0, bytes: ByteBuffer(bytes: Self.latin1Query))
        #expect(decoded.formatted(as: .text) == #"F Query "select 'caf\xe9'""#)
        #expect(decoded.formatted(as: .json).hasSuffix(#""query":{"hex":"73656c6563742027636166e927"}}"#))
        var encoded = ByteBuffer()
        query.encode(into: &encoded)
        #expect(Array(encoded.readableBytesView) == Self.latin1Query)
    }

    @Test("a literal backslash stays distinguishable from an escaped byte")
    func literalBackslash() throws {
        var decoder = FrontendMessageDecoder(phase: .messages)
        var buffer = ByteBuffer(bytes: [UInt8(ascii: "Q"), 0, 0, 0, 9] + Array(#"\xe9"#.utf8) + [0])
        let query = try #require(try decoder.decode(from: &buffer))
        let decoded = DecodedMessage(message: .frontend(query), offset: 0, bytes: ByteBuffer())
        #expect(decoded.formatted(as: .text) == #"F Query "\\xe9""#)
        #expect(decoded.formatted(as: .json).hasSuffix(#""query":"\\xe9"}"#))
    }
}
