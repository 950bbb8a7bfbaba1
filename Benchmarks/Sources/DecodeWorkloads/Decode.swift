import NIOCore
import PostgresWire

/// What one pass over a stream saw; checked against the ``Workload`` so nothing is optimized away.
public struct DecodeResult: Sendable, Hashable {
    public var messages = 0
    public var dataRows = 0
    public var columns = 0
    public var nulls = 0
    /// Bytes of column values (DataRow) or of CopyData payloads.
    public var payloadBytes = 0
    public var copyDataMessages = 0

    public init() {}

    /// Hands a slice (a column value or a CopyData payload) to code the optimizer cannot see into, as a
    /// real consumer would, so the slice is really materialized (a retained ByteBuffer); returns its length.
    /// `dynamic` (replaceable) keeps the optimizer from inlining it or passing only the slice's indices.
    @inline(never)
    public dynamic static func consume(_ slice: ByteBuffer) -> Int {
        slice.readableBytes
    }

    /// ``consume(_:)`` for a value read in place (a column's bytes inside the stream's buffer).
    @inline(never)
    public dynamic static func consume(_ value: UnsafeRawBufferPointer) -> Int {
        value.count
    }

    /// Counts a message framed in place; for a DataRow, walks every column in place.
    @inline(__always)
    mutating func count(_ frame: RawMessageFrame) throws(WireFormatError) {
        messages += 1
        guard frame.typeByte == UInt8(ascii: "D") else { return }
        dataRows += 1
        try DataRow.forEachColumn(inBody: frame.body) { _, value in
            columns += 1
            if let value {
                payloadBytes &+= Self.consume(value)
            } else {
                nulls += 1
            }
        }
    }

    /// Counts a backend message; for a DataRow, slices out every column (as ByteBuffer slices).
    @inline(__always)
    mutating func count(_ message: BackendMessage) {
        messages += 1
        if case .dataRow(let row) = message {
            dataRows += 1
            for column in row {
                columns += 1
                if let column {
                    payloadBytes &+= Self.consume(column)
                } else {
                    nulls += 1
                }
            }
        }
    }
}

/// The measured decode loops.
public enum Decode {
    /// (a) Backend framing and field slicing: every message of `stream` through `BackendMessageDecoder`,
    /// and every column of every DataRow sliced out by iterating the row.
    public static func dataRows(_ stream: ByteBuffer) throws -> DecodeResult {
        var buffer = stream
        var decoder = BackendMessageDecoder(infersPeerContext: true)
        var result = DecodeResult()
        while let message = try decoder.decode(from: &buffer) {
            result.count(message)
        }
        precondition(buffer.readableBytes == 0, "DataRow stream not fully decoded")
        return result
    }

    /// (a) over a stream held in pieces (see ``Workload/segments(maximumBytes:)``): one decoder, each
    /// piece decoded to its end in turn. No piece ends inside a message.
    public static func dataRows(segments: [ByteBuffer]) throws -> DecodeResult {
        var decoder = BackendMessageDecoder(infersPeerContext: true)
        var result = DecodeResult()
        for segment in segments {
            var buffer = segment
            while let message = try decoder.decode(from: &buffer) {
                result.count(message)
            }
            precondition(buffer.readableBytes == 0, "DataRow segment not fully decoded")
        }
        return result
    }

    /// (a) in place, over a stream held in pieces: `BackendMessageDecoder.frameMessages(in:_:)` frames each
    /// piece inside one `withUnsafeReadableBytes` and `DataRow.forEachColumn(inBody:_:)` walks every row's
    /// columns, each handed to a consumer as raw bytes: no slice, retain or release per message or column.
    public static func dataRowsInPlace(segments: [ByteBuffer]) throws -> DecodeResult {
        var decoder = BackendMessageDecoder(infersPeerContext: true)
        var result = DecodeResult()
        for segment in segments {
            var buffer = segment
            while !decoder.framesInPlace, let message = try decoder.decode(from: &buffer) {
                result.count(message)
            }
            try decoder.frameMessages(in: &buffer) { frame throws(WireFormatError) in try result.count(frame) }
            precondition(buffer.readableBytes == 0, "DataRow segment not fully framed")
        }
        return result
    }

    /// (b) Frontend framing of a COPY FROM STDIN upload: every message of `stream` through
    /// `FrontendMessageDecoder` (phase `.messages`), each CopyData payload handed to a consumer.
    public static func copyIn(_ stream: ByteBuffer) throws -> DecodeResult {
        try copyIn(segments: [stream])
    }

    /// (b) over a stream held in pieces (see ``Workload/segments(maximumBytes:)``).
    public static func copyIn(segments: [ByteBuffer]) throws -> DecodeResult {
        var decoder = FrontendMessageDecoder(phase: .messages)
        var result = DecodeResult()
        for segment in segments {
            var buffer = segment
            while let message = try decoder.decode(from: &buffer) {
                result.messages += 1
                if case .copyData(let copyData) = message {
                    result.copyDataMessages += 1
                    result.payloadBytes &+= DecodeResult.consume(copyData.data)
                }
            }
            precondition(buffer.readableBytes == 0, "COPY segment not fully decoded")
        }
        return result
    }

    /// (c) The DataRow stream as `pgw decode` or a relay sees it: socket reads (see
    /// ``Workload/reads(size:)``) appended to a `SessionDecoder` one by one, events drained after each.
    public static func dataRowsSession(reads: [ByteBuffer]) -> DecodeResult {
        var decoder = SessionDecoder()
        // The client's side: a StartupMessage, so the backend stream is read as typed messages at once.
        var startup = ByteBuffer()
        FrontendMessage.startup(StartupMessage(parameters: [.init("user", "bench")])).encode(into: &startup)
        decoder.append(startup, from: .frontend)
        var result = DecodeResult()
        func drain() {
            while let event = decoder.nextEvent() {
                guard case .message(let decoded) = event else { preconditionFailure("\(event)") }
                guard case .backend(let message) = decoded.message else { continue }
                result.count(message)
            }
        }
        for read in reads {
            decoder.append(read, from: .backend)
            drain()
        }
        decoder.finish()
        drain()
        return result
    }

    /// Traps unless `result` matches what `workload` was built with.
    public static func verify(_ result: DecodeResult, _ workload: Workload) {
        precondition(result.messages == workload.messages, "messages \(result.messages) != \(workload.messages)")
        precondition(result.dataRows == workload.dataRows, "rows \(result.dataRows) != \(workload.dataRows)")
        precondition(result.columns == workload.columns, "columns \(result.columns) != \(workload.columns)")
        precondition(result.copyDataMessages == workload.copyDataMessages, "CopyData count mismatch")
    }
}
