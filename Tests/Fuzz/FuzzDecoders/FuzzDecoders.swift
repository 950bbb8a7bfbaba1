// libFuzzer entry point for PostgresWire's decoders.
//
// Input layout (see README.md):
//   byte 0      control: bits 0-2 chunk size (1, 2, 3, 5, 8, 64, 1024, whole input),
//               bit 3 answers SSL/GSSENC requests with "accepted" instead of "refused" for the
//               decoders that wait for their peer, bits 4-5 the `p` message kind they are told,
//               bit 6 caps messages at 64 KiB instead of the default 1 GiB,
//               bit 7 feeds the single-stream decoders the whole payload instead of their own stream
//   bytes 1-2   frontend length F, big-endian UInt16 (clamped to what is there)
//   bytes 3...  F bytes of client-to-server stream, then the server-to-client stream
// Shorter inputs use defaults: all of the payload is both streams.
//
// Every input drives:
//   * FrontendMessageDecoder, phase .startup and .messages, with and without infersPeerContext
//   * BackendMessageDecoder with infersPeerContext (and without, told the client's first packet)
//   * SessionDecoder: both streams appended in interleaved chunks, drained after each, then finish()
// and for every decoded message checks that encoding it again reproduces exactly the consumed bytes
// (trapping on a mismatch), then renders it (`rendered()`, `formatted(as:)` in every format).

import CLibFuzzer
import NIOCore
import PostgresWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct FuzzInput {
    var chunkSize: Int
    var acceptsEncryption: Bool
    var passwordAnswer: Authentication
    var maximumMessageLength: Int
    var frontend: ByteBuffer
    var backend: ByteBuffer
    var whole: ByteBuffer
    var singleStreamsUseWhole: Bool

    init(_ bytes: UnsafeRawBufferPointer) {
        let control = bytes.first ?? 0
        let chunkSizes = [1, 2, 3, 5, 8, 64, 1024, Int.max]
        chunkSize = chunkSizes[Int(control & 0x07)]
        acceptsEncryption = control & 0x08 != 0
        passwordAnswer =
            [
                Authentication.cleartextPassword, .sasl(mechanisms: ["SCRAM-SHA-256"]),
                .saslContinue(data: ByteBuffer()), .gss,
            ][Int(control >> 4) & 0x03]
        maximumMessageLength = control & 0x40 != 0 ? 1 << 16 : WireLimits.defaultMaximumMessageLength
        singleStreamsUseWhole = control & 0x80 != 0
        if bytes.count >= 3 {
            let payload = UnsafeRawBufferPointer(rebasing: bytes[3...])
            let frontendLength = min(Int(bytes[1]) << 8 | Int(bytes[2]), payload.count)
            frontend = ByteBuffer(bytes: payload[..<frontendLength])
            backend = ByteBuffer(bytes: payload[frontendLength...])
            whole = ByteBuffer(bytes: payload)
        } else {
            whole = ByteBuffer(bytes: bytes)
            frontend = whole
            backend = whole
        }
    }
}

// MARK: - Checks

func hex(_ buffer: ByteBuffer) -> String {
    let bytes = buffer.readableBytesView.prefix(256)
    let digits = bytes.map { byte in
        let string = String(byte, radix: 16)
        return byte < 16 ? "0" + string : string
    }.joined()
    return digits + (buffer.readableBytes > 256 ? "…(\(buffer.readableBytes) bytes)" : "")
}

/// Traps unless `message` encodes to exactly `consumed`, then exercises the renderers.
func check(_ message: WireMessage, consumed: ByteBuffer, offset: Int, context: StaticString) {
    var encoded = ByteBuffer()
    message.encode(into: &encoded)
    if encoded != consumed {
        writeToStandardError(
            """
            ROUND-TRIP MISMATCH in \(context) at offset \(offset): \(message.typeName)
              consumed: \(hex(consumed))
              encoded:  \(hex(encoded))
              message:  \(message)

            """)
        fatalError("re-encoded \(message.typeName) differs from the consumed bytes")
    }
    render(DecodedMessage(message: message, offset: offset, bytes: consumed))
}

/// Unbuffered, so the text is out before the trap (stdout's buffer is lost when the process dies).
func writeToStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var rest = UnsafeRawBufferPointer(bytes)
        while !rest.isEmpty {
            let written = write(2, rest.baseAddress, rest.count)
            guard written > 0 else { return }
            rest = UnsafeRawBufferPointer(rebasing: rest[written...])
        }
    }
}

func render(_ decoded: DecodedMessage) {
    let rendering = decoded.message.rendered()
    blackHole(rendering.textLine.utf8.count &+ rendering.jsonLine(offset: decoded.offset, length: 0).utf8.count)
    blackHole(
        decoded.message.rendered(options: RenderOptions(revealSecrets: true, maximumTextValueLength: 8)).textLine.utf8
            .count)
    for format in RenderFormat.allCases {
        blackHole(decoded.formatted(as: format).utf8.count)
    }
}

@inline(never)
func blackHole(_ value: Int) {
    if value == -42 { print("unreachable") }
}

/// Appends `input` to `buffer` in `chunkSize` pieces, calling `drain` after each.
func feed(_ input: ByteBuffer, chunkSize: Int, into buffer: inout ByteBuffer, drain: (inout ByteBuffer) -> Bool) {
    var input = input
    while input.readableBytes > 0 {
        var chunk = input.readSlice(length: min(chunkSize, input.readableBytes))!
        buffer.writeBuffer(&chunk)
        guard drain(&buffer) else { return }
    }
}

// MARK: - Single-stream decoders

func fuzzFrontend(_ input: FuzzInput, phase: FrontendMessageDecoder.Phase, infers: Bool) {
    var decoder = FrontendMessageDecoder(
        phase: phase, infersPeerContext: infers, maximumMessageLength: input.maximumMessageLength
    )
    var buffer = ByteBuffer()
    let stream = input.singleStreamsUseWhole ? input.whole : input.frontend
    feed(stream, chunkSize: input.chunkSize, into: &buffer) { buffer in
        while true {
            let before = buffer
            let offset = decoder.streamOffset
            let message: FrontendMessage?
            do throws(WireDecodingError) {
                message = try decoder.decode(from: &buffer)
            } catch {
                precondition(error.offset == offset, "frontend error offset \(error.offset) != stream offset \(offset)")
                blackHole(error.description.utf8.count)
                return false
            }
            guard let message else {
                guard decoder.isWaitingForPeer else { return true }
                // Answer as a server would have, then try again.
                switch decoder.phase {
                case .awaitingEncryptionResponse(.ssl):
                    decoder.observe(.sslResponse(accepted: input.acceptsEncryption))
                case .awaitingEncryptionResponse(.gss):
                    decoder.observe(.gssENCResponse(accepted: input.acceptsEncryption))
                default:
                    decoder.observe(.authentication(input.passwordAnswer))
                }
                continue
            }
            let consumed = before.getSlice(at: before.readerIndex, length: buffer.readerIndex - before.readerIndex)!
            precondition(decoder.streamOffset == offset + consumed.readableBytes, "frontend stream offset drifted")
            check(.frontend(message), consumed: consumed, offset: offset, context: "FrontendMessageDecoder")
        }
    }
}

func fuzzBackend(_ input: FuzzInput, infers: Bool) {
    var decoder = BackendMessageDecoder(infersPeerContext: infers, maximumMessageLength: input.maximumMessageLength)
    if !infers {
        // Told that the client opened with a StartupMessage.
        decoder.observe(.startup(StartupMessage(parameters: [])))
    }
    var buffer = ByteBuffer()
    let stream = input.singleStreamsUseWhole ? input.whole : input.backend
    var failed = false
    func drain(_ buffer: inout ByteBuffer, last: Bool) -> Bool {
        while true {
            let before = buffer
            let offset = decoder.streamOffset
            let message: BackendMessage?
            do throws(WireDecodingError) {
                message = last ? try decoder.decodeLast(from: &buffer) : try decoder.decode(from: &buffer)
            } catch {
                precondition(error.offset == offset, "backend error offset \(error.offset) != stream offset \(offset)")
                blackHole(error.description.utf8.count)
                failed = true
                return false
            }
            guard let message else { return true }
            let consumed = before.getSlice(at: before.readerIndex, length: buffer.readerIndex - before.readerIndex)!
            precondition(decoder.streamOffset == offset + consumed.readableBytes, "backend stream offset drifted")
            check(.backend(message), consumed: consumed, offset: offset, context: "BackendMessageDecoder")
        }
    }
    feed(stream, chunkSize: input.chunkSize, into: &buffer) { drain(&$0, last: false) }
    if !failed {
        _ = drain(&buffer, last: true)
    }
}

// MARK: - Session decoder

func fuzzSession(_ input: FuzzInput) {
    var decoder = SessionDecoder(maximumMessageLength: input.maximumMessageLength)
    var offsets: [MessageDirection: Int] = [.frontend: 0, .backend: 0]
    var failed: Set<MessageDirection> = []

    func drain() {
        while let event = decoder.nextEvent() {
            switch event {
            case .message(let decoded):
                let direction = decoded.direction
                precondition(!failed.contains(direction), "message after a failure in \(direction)")
                precondition(decoded.offset == offsets[direction], "\(direction) message offset is not contiguous")
                offsets[direction]! += decoded.bytes.readableBytes
                check(decoded.message, consumed: decoded.bytes, offset: decoded.offset, context: "SessionDecoder")
            case .failure(let direction, let error):
                precondition(failed.insert(direction).inserted, "second failure in \(direction)")
                blackHole(error.description.utf8.count)
            }
        }
    }

    var frontend = input.frontend
    var backend = input.backend
    while frontend.readableBytes > 0 || backend.readableBytes > 0 {
        if let chunk = frontend.readSlice(length: min(input.chunkSize, frontend.readableBytes)), chunk.readableBytes > 0
        {
            decoder.append(chunk, from: .frontend)
            drain()
        }
        if let chunk = backend.readSlice(length: min(input.chunkSize, backend.readableBytes)), chunk.readableBytes > 0 {
            decoder.append(chunk, from: .backend)
            drain()
        }
    }
    decoder.finish()
    drain()
    precondition(decoder.nextEvent() == nil, "events after the drained end")
    for direction in MessageDirection.allCases where !failed.contains(direction) && !decoder.isEncrypted(direction) {
        precondition(decoder.remainingBytes(direction) == 0, "\(direction) bytes left without a failure")
    }
}

// MARK: - Entry points

/// SwiftPM links Linux executables with `main` renamed to `<module>_main` (for @testable); with
/// -parse-as-library nothing defines that, so define it here and hand over to libFuzzer's driver.
/// Where SwiftPM does not rename `main`, libFuzzer's own `main` runs and this is unused.
@_cdecl("FuzzDecoders_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        fuzzDecoders(data, size)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoders(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let input = FuzzInput(bytes)
    for infers in [false, true] {
        fuzzFrontend(input, phase: .startup, infers: infers)
        fuzzFrontend(input, phase: .messages, infers: infers)
        fuzzBackend(input, infers: infers)
    }
    fuzzSession(input)
    return 0
}
