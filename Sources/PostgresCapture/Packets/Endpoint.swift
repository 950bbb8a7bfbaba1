/// One end of a TCP connection: an IPv4 or IPv6 address and a port.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// The address bytes: 4 for IPv4, 16 for IPv6.
    public var address: [UInt8]
    /// The TCP port.
    public var port: UInt16

    /// Creates an endpoint.
    public init(address: [UInt8], port: UInt16) {
        self.address = address
        self.port = port
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
