import NIOCore
import PostgresWire
import Testing

/// `BackendMessageDecoder.frameMessages(in:_:)` and `DataRow.forEachColumn(inBody:_:)` see the same messages, the
/// same column bytes and the same errors as `decode(from:)`, however the stream is cut.
struct InPlaceFramingTests {
    /// What one message looks like to either path: its type byte, wire length and (for a DataRow) its columns.
    struct Seen: Equatable {
        var typeByte: UInt8
        var wireLength: Int
        var columns: [[UInt8]?]?
    }

    /// A backend stream of every shape a result has: a description, rows with NULL, empty and long values, the end.
    static let stream: ByteBuffer = {
        var buffer = ByteBuffer()
        let messages: [BackendMessage] = [
            .parameterStatus(ParameterStatus(name: "client_encoding", value: "UTF8")),
            .rowDescription(RowDescription(columns: [])),
            .dataRow(DataRow(columns: [ByteBuffer(string: "42"), nil, ByteBuffer()])),
            .dataRow(DataRow(columns: [])),
            .dataRow(DataRow(columns: [nil, nil])),
            .dataRow(
                DataRow(columns: [ByteBuffer(bytes: (0..<300).map { UInt8($0 % 256) }), ByteBuffer(string: "x")])),
            .commandComplete(CommandComplete(tag: "SELECT 4")),
            .readyForQuery(.idle),
        ]
        for message in messages { message.encode(into: &buffer) }
        return buffer
    }()

    /// The messages `decode(from:)` finds in `bytes`, and the error it stops at.
    static func decoded(_ bytes: ByteBuffer) -> ([Seen], WireDecodingError?) {
        var decoder = BackendMessageDecoder(phase: .messages)
        var buffer = bytes
        var seen: [Seen] = []
        do {
            var offset = decoder.streamOffset
            while let message = try decoder.decode(from: &buffer) {
                var columns: [[UInt8]?]?
                if case .dataRow(let row) = message { columns = row.map { $0.map { Array($0.readableBytesView) } } }
                seen.append(
                    Seen(typeByte: message.typeByte, wireLength: decoder.streamOffset - offset, columns: columns))
                offset = decoder.streamOffset
            }
            return (seen, nil)
        } catch {
            return (seen, error)
        }
    }

    /// The messages `frameMessages(in:_:)` finds in `bytes` handed over in pieces of `pieceSize` bytes, and the
    /// error it stops at; also checks that the messages' offsets follow each other.
    static func framed(_ bytes: ByteBuffer, pieceSize: Int) -> ([Seen], WireDecodingError?) {
        var decoder = BackendMessageDecoder(phase: .messages)
        var buffer = ByteBuffer()
        var rest = bytes
        var seen: [Seen] = []
        var expectedOffset = 0
        do {
            while rest.readableBytes > 0 {
                var piece = rest.readSlice(length: min(pieceSize, rest.readableBytes))!
                buffer.writeBuffer(&piece)
                try decoder.frameMessages(in: &buffer) { frame throws(WireFormatError) in
                    #expect(frame.streamOffset == expectedOffset)
                    expectedOffset += frame.wireLength
                    var columns: [[UInt8]?]?
                    if frame.typeByte == UInt8(ascii: "D") {
                        var values: [[UInt8]?] = []
                        try DataRow.forEachColumn(inBody: frame.body) { index, value in
                            #expect(index == values.count)
                            values.append(value.map { Array($0) })
                        }
                        columns = values
                    }
                    seen.append(Seen(typeByte: frame.typeByte, wireLength: frame.wireLength, columns: columns))
                }
            }
            #expect(decoder.streamOffset == expectedOffset)
            return (seen, nil)
        } catch {
            return (seen, error)
        }
    }

    @Test(arguments: [1, 2, 5, 7, 64, 1 << 20])
    func framingSeesWhatDecodingSees(pieceSize: Int) {
        let (decodedMessages, decodeError) = Self.decoded(Self.stream)
        let (framedMessages, frameError) = Self.framed(Self.stream, pieceSize: pieceSize)
        #expect(decodeError == nil && frameError == nil)
        #expect(decodedMessages.count == 8)
        #expect(framedMessages == decodedMessages)
    }

    @Test func aMessageCutShortStaysInTheBuffer() throws {
        var decoder = BackendMessageDecoder(phase: .messages)
        var buffer = Self.stream.getSlice(at: 0, length: Self.stream.readableBytes - 1)!
        var count = 0
        try decoder.frameMessages(in: &buffer) { _ in count += 1 }
        #expect(count == 7)
        #expect(buffer.readableBytes == 5)
        #expect(decoder.streamOffset == Self.stream.readableBytes - 6)
    }

    @Test func framingWaitsForTheStartupPhase() throws {
        var decoder = BackendMessageDecoder()
        #expect(!decoder.framesInPlace)
        var buffer = Self.stream
        try decoder.frameMessages(in: &buffer) { _ in Issue.record("framed before the startup phase ended") }
        #expect(buffer.readableBytes == Self.stream.readableBytes)
        decoder.observe(.startup(StartupMessage(parameters: [])))
        #expect(decoder.framesInPlace)
    }

    /// Malformed headers and DataRow bodies, each after a good message, and the error both paths report.
    static let malformed: [(ByteBuffer, WireDecodingError)] = [
        (wire(.char("?"), .int32(4)), WireDecodingError(offset: 6, messageType: nil, reason: .unknownMessageType(63))),
        (
            wire(.char("D"), .int32(-5)),
            WireDecodingError(
                offset: 6, messageType: "DataRow", reason: .negativeLength(field: "message length", value: -5))
        ),
        (
            wire(.char("Z"), .int32(3)),
            WireDecodingError(offset: 6, messageType: "ReadyForQuery", reason: .invalidMessageLength(3))
        ),
        (
            wire(.char("D"), .int32(0x4000_0000)),
            WireDecodingError(
                offset: 6, messageType: "DataRow",
                reason: .messageTooLong(length: 0x4000_0001, limit: WireLimits.defaultMaximumMessageLength))
        ),
        (
            wire(.char("D"), .int32(4)),
            WireDecodingError(offset: 6, messageType: "DataRow", reason: .truncated(field: "column count"))
        ),
        (
            wire(.char("D"), .int32(8), .int16(1), .int16(0)),
            WireDecodingError(offset: 6, messageType: "DataRow", reason: .truncated(field: "column length"))
        ),
        (
            wire(.char("D"), .int32(12), .int16(1), .int32(3), .raw([1, 2])),
            WireDecodingError(offset: 6, messageType: "DataRow", reason: .truncated(field: "column value"))
        ),
        (
            wire(.char("D"), .int32(10), .int16(1), .int32(-2)),
            WireDecodingError(
                offset: 6, messageType: "DataRow", reason: .negativeLength(field: "column length", value: -2))
        ),
        (
            wire(.char("D"), .int32(11), .int16(1), .int32(-1), .raw([9])),
            WireDecodingError(offset: 6, messageType: "DataRow", reason: .trailingBytes(count: 1))
        ),
    ]

    @Test(arguments: 0..<malformed.count)
    func malformedMessagesFailAlike(index: Int) {
        var bytes = wire(.char("Z"), .int32(5), .char("I"))
        var tail = Self.malformed[index].0
        bytes.writeBuffer(&tail)
        let (decodedMessages, decodeError) = Self.decoded(bytes)
        #expect(decodeError == Self.malformed[index].1)
        for pieceSize in [1, 3, 1 << 20] {
            let (framedMessages, frameError) = Self.framed(bytes, pieceSize: pieceSize)
            #expect(frameError == decodeError)
            #expect(framedMessages == decodedMessages)
        }
    }
}
