import Foundation
import NIOCore

/// Synthetic, deterministic wire streams for the decoder benchmarks.
///
/// The bytes are written by hand here (not with PostgresWire's encoders), so a change in the encoders
/// cannot change what is measured.
public enum Streams {
    /// A backend stream answering one `SELECT` of an orders table: RowDescription, DataRows until the
    /// stream holds at least `minimumBytes`, CommandComplete and ReadyForQuery.
    ///
    /// Rows have 9 text-format columns (int8, int4, text name, text email, numeric, timestamptz, text
    /// status, nullable text note, bool), about 170 bytes a row, drawn from a pool of 8192 distinct rows.
    public static func dataRows(minimumBytes: Int = 100 << 20) -> Workload {
        var random = SplitMix64(seed: 0x5EED_DA7A)
        var pool: [ByteBuffer] = []
        for index in 0..<8192 {
            pool.append(dataRowMessage(orderValues(index: index, random: &random)))
        }
        var stream = ByteBuffer()
        stream.reserveCapacity(minimumBytes + 64 << 10)
        writeTyped(UInt8(ascii: "T"), into: &stream) { body in
            body.writeInteger(UInt16(orderColumns.count))
            for (number, column) in orderColumns.enumerated() {
                body.writeString(column.name)
                body.writeInteger(UInt8(0))
                body.writeInteger(UInt32(16_384))  // table OID
                body.writeInteger(Int16(number + 1))  // attribute number
                body.writeInteger(column.oid)
                body.writeInteger(column.size)
                body.writeInteger(Int32(-1))  // type modifier
                body.writeInteger(Int16(0))  // text format
            }
        }
        var rows = 0
        while stream.readableBytes < minimumBytes {
            stream.writeImmutableBuffer(pool[rows % pool.count])
            rows += 1
        }
        writeTyped(UInt8(ascii: "C"), into: &stream) { body in
            body.writeString("SELECT \(rows)")
            body.writeInteger(UInt8(0))
        }
        writeTyped(UInt8(ascii: "Z"), into: &stream) { $0.writeInteger(UInt8(ascii: "I")) }
        return Workload(stream: stream, messages: rows + 3, dataRows: rows, columns: rows * orderColumns.count)
    }

    /// A frontend stream loading a table with COPY: Query `COPY … FROM STDIN`, CopyData messages of
    /// 64 bytes to 8 KiB (log-uniform sizes, tab-separated text lines) until the stream holds at least
    /// `minimumBytes`, then CopyDone and Sync.
    public static func copyIn(minimumBytes: Int = 100 << 20) -> Workload {
        var random = SplitMix64(seed: 0xC0B1_DA7A)
        // Text-format COPY data: lines of an orders table, cut into chunks the way clients buffer them.
        var text: [UInt8] = []
        for index in 0..<20_000 {
            let values = orderValues(index: index, random: &random)
            let line = values.map { $0.map { String(decoding: $0, as: UTF8.self) } ?? "\\N" }.joined(separator: "\t")
            text.append(contentsOf: line.utf8)
            text.append(UInt8(ascii: "\n"))
        }
        var stream = ByteBuffer()
        stream.reserveCapacity(minimumBytes + 64 << 10)
        writeTyped(UInt8(ascii: "Q"), into: &stream) { body in
            body.writeString(
                "COPY orders (id, customer_id, name, email, amount, created_at, status, note, paid) FROM STDIN")
            body.writeInteger(UInt8(0))
        }
        var messages = 1
        var copyData = 0
        var position = 0
        while stream.readableBytes < minimumBytes {
            // log-uniform in 64...8192: 2^(6 + 7u)
            let size = Int((64.0 * pow(2.0, 7.0 * random.nextUnit())).rounded())
            if position + size > text.count { position = 0 }
            writeTyped(UInt8(ascii: "d"), into: &stream) { $0.writeBytes(text[position..<(position + size)]) }
            position += size
            messages += 1
            copyData += 1
        }
        writeTyped(UInt8(ascii: "c"), into: &stream) { _ in }
        writeTyped(UInt8(ascii: "S"), into: &stream) { _ in }
        return Workload(stream: stream, messages: messages + 2, dataRows: 0, columns: 0, copyDataMessages: copyData)
    }

    // MARK: - Rows

    static let orderColumns: [(name: String, oid: UInt32, size: Int16)] = [
        ("id", 20, 8), ("customer_id", 23, 4), ("name", 25, -1), ("email", 25, -1), ("amount", 1700, -1),
        ("created_at", 1184, 8), ("status", 25, -1), ("note", 25, -1), ("paid", 16, 1),
    ]

    static let firstNames = [
        "Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Edsger", "Frances", "Donald", "Radia",
    ]
    static let lastNames = [
        "Lovelace", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Dijkstra", "Allen", "Knuth",
    ]
    static let statuses = ["pending", "paid", "shipped", "delivered", "cancelled", "refunded"]
    static let words = [
        "please", "deliver", "after", "five", "leave", "parcel", "at", "the", "front", "door", "gift", "wrap",
        "fragile", "handle", "with", "care", "call", "on", "arrival", "no", "signature", "required",
    ]

    /// One row of the orders table in text format; `nil` is NULL.
    static func orderValues(index: Int, random: inout SplitMix64) -> [[UInt8]?] {
        let first = firstNames[random.next(below: firstNames.count)]
        let last = lastNames[random.next(below: lastNames.count)]
        let cents = random.next(below: 5_000_000)
        let day = 1 + random.next(below: 28)
        let month = 1 + random.next(below: 12)
        let seconds = random.next(below: 86_400)
        let micros = random.next(below: 1_000_000)
        let timestamp =
            "2024-\(pad(month, 2))-\(pad(day, 2)) \(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):"
            + "\(pad(seconds % 60, 2)).\(pad(micros, 6))+00"
        var note: String?
        if random.next(below: 10) >= 3 {
            note = (0..<(2 + random.next(below: 12))).map { _ in words[random.next(below: words.count)] }
                .joined(separator: " ")
        }
        let values: [String?] = [
            String(1_000_000 + index),
            String(1 + random.next(below: 99_999)),
            "\(first) \(last)",
            "\(first.lowercased()).\(last.lowercased())\(random.next(below: 1000))@example.com",
            "\(cents / 100).\(pad(cents % 100, 2))",
            timestamp,
            statuses[random.next(below: statuses.count)],
            note,
            random.next(below: 2) == 0 ? "t" : "f",
        ]
        return values.map { $0.map { Array($0.utf8) } }
    }

    static func dataRowMessage(_ values: [[UInt8]?]) -> ByteBuffer {
        var message = ByteBuffer()
        writeTyped(UInt8(ascii: "D"), into: &message) { body in
            body.writeInteger(UInt16(values.count))
            for value in values {
                if let value {
                    body.writeInteger(Int32(value.count))
                    body.writeBytes(value)
                } else {
                    body.writeInteger(Int32(-1))
                }
            }
        }
        return message
    }

    static func writeTyped(_ type: UInt8, into buffer: inout ByteBuffer, body: (inout ByteBuffer) -> Void) {
        var payload = ByteBuffer()
        body(&payload)
        buffer.writeInteger(type)
        buffer.writeInteger(Int32(payload.readableBytes + 4))
        buffer.writeBuffer(&payload)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// A stream and what decoding it must yield.
public struct Workload: Sendable {
    public var stream: ByteBuffer
    public var messages: Int
    public var dataRows: Int
    public var columns: Int
    public var copyDataMessages: Int = 0

    /// The stream's size in bytes.
    public var bytes: Int { stream.readableBytes }

    /// The stream cut at message boundaries into pieces of at most `maximumBytes` (a message longer
    /// than that is a piece of its own), each with its own storage.
    ///
    /// NIO's ByteBuffer cannot slice past 16 MiB into its storage without copying the slice, so a
    /// decoder walking one 100 MiB buffer copies every message after the first 16 MiB; pieces avoid that.
    public func segments(maximumBytes: Int = 1 << 20) -> [ByteBuffer] {
        var segments: [ByteBuffer] = []
        var start = stream.readerIndex
        var index = start
        func cut() {
            var segment = ByteBuffer()
            segment.writeImmutableBuffer(stream.getSlice(at: start, length: index - start)!)
            segments.append(segment)
            start = index
        }
        while index < stream.writerIndex {
            let length = Int(stream.getInteger(at: index + 1, as: Int32.self)!) + 1
            if index + length - start > maximumBytes && index > start { cut() }
            index += length
        }
        if index > start { cut() }
        return segments
    }

    /// The stream cut into `size`-byte reads (the last one shorter), ignoring message boundaries, as
    /// a socket would deliver it; each read has its own storage.
    public func reads(size: Int = 64 << 10) -> [ByteBuffer] {
        var reads: [ByteBuffer] = []
        var remaining = stream
        while remaining.readableBytes > 0 {
            var read = ByteBuffer()
            read.writeImmutableBuffer(remaining.readSlice(length: min(size, remaining.readableBytes))!)
            reads.append(read)
        }
        return reads
    }
}

/// A small deterministic PRNG (SplitMix64), so every run builds the same streams.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
