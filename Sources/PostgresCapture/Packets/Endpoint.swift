/// One end of a TCP connection: an IPv4 or IPv6 address and a port.
///
/// The address is held inline, not in an array: endpoints are compared and hashed for every packet of a capture
/// and copied with every event, so they allocate nothing and need no reference counting.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// The address bytes, big-endian, left-aligned: the first 8 and the last 8 (zero for IPv4).
    private var head: UInt64
    private var tail: UInt64
    /// 4 for IPv4, 16 for IPv6.
    private var addressLength: UInt8
    /// The TCP port.
    public var port: UInt16

    /// Creates an endpoint; `address` has 4 bytes (IPv4) or 16 (IPv6).
    public init(address: [UInt8], port: UInt16) {
        precondition(address.count <= 16, "an IP address has at most 16 bytes")
        head = 0
        tail = 0
        addressLength = 0
        self.port = port
        self.address = address
    }

    /// Creates an endpoint from the `length` (4 or 16) address bytes at `bytes`.
    init(addressBytes bytes: UnsafeRawBufferPointer, length: Int, port: UInt16) {
        head = 0
        tail = 0
        for index in 0..<length {
            if index < 8 {
                head |= UInt64(bytes[index]) << (56 - 8 * index)
            } else {
                tail |= UInt64(bytes[index]) << (56 - 8 * (index - 8))
            }
        }
        addressLength = UInt8(length)
        self.port = port
    }

    /// The address bytes: 4 for IPv4, 16 for IPv6.
    public var address: [UInt8] {
        get {
            (0..<Int(addressLength)).map { index in
                UInt8(truncatingIfNeeded: (index < 8 ? head : tail) >> (56 - 8 * (index % 8)))
            }
        }
        set {
            newValue.withUnsafeBytes { self = Endpoint(addressBytes: $0, length: newValue.count, port: port) }
        }
    }

    /// An order of endpoints (address bytes, then length, then port), to name a connection by its two ends
    /// whichever way a packet goes.
    static func < (lhs: Endpoint, rhs: Endpoint) -> Bool {
        (lhs.head, lhs.tail, lhs.addressLength, lhs.port) < (rhs.head, rhs.tail, rhs.addressLength, rhs.port)
    }

    /// `10.0.0.5:5432`, or `[::1]:5432` for IPv6.
    public var description: String {
        address.count == 4 ? "\(addressText):\(port)" : "[\(addressText)]:\(port)"
    }

    /// The address alone: dotted decimal, or RFC 5952 text for IPv6 (the longest run of zero groups as `::`).
    public var addressText: String {
        guard address.count == 16 else { return address.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(address[$0]) << 8 | UInt16(address[$0 + 1]) }
        var best = (start: -1, length: 0)
        var index = 0
        while index < groups.count {
            var end = index
            while end < groups.count && groups[end] == 0 { end += 1 }
            if end - index > best.length && end - index > 1 { best = (index, end - index) }
            index = max(end, index + 1)
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.start >= 0 else { return hex.joined(separator: ":") }
        let head = hex[..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }
}
