import NIOCore
import PostgresTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reproducible pseudo-random test payloads.
enum Payload {
    /// `count` bytes drawn from a generator seeded with `seed`.
    static func random(count: Int, seed: UInt64) -> ByteBuffer {
        var generator = SeededRandomNumberGenerator(seed: seed)
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
            let words = bytes.bindMemory(to: UInt64.self)
            for index in words.indices { words[index] = generator.next() }
            for index in words.count * 8..<count { bytes[index] = UInt8(truncatingIfNeeded: generator.next()) }
            return count
        }
        return buffer
    }

    /// Whether two buffers hold the same readable bytes (compared with `memcmp`, fast for large payloads).
    static func equal(_ lhs: ByteBuffer, _ rhs: ByteBuffer) -> Bool {
        lhs.readableBytes == rhs.readableBytes
            && lhs.withUnsafeReadableBytes { left in
                rhs.withUnsafeReadableBytes { right in
                    left.count == 0 || memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0
                }
            }
    }
}
