import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension BinaryValueEncoder {
    /// inet and cidr (`inet_send`): `192.168.0.1`, `10.0.0.0/8`, `2001:db8::1/64` → the family (2 for IPv4, 3 for
    /// IPv6, PostgreSQL's own numbers), the prefix length, whether it is a cidr, the address length, the address.
    static func network(_ text: String, isCIDR: Bool) -> ByteBuffer? {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let isIPv6 = parts[0].contains(":")
        var address = [UInt8](repeating: 0, count: isIPv6 ? 16 : 4)
        let parsed = address.withUnsafeMutableBytes { bytes in
            String(parts[0]).withCString { inet_pton(isIPv6 ? AF_INET6 : AF_INET, $0, bytes.baseAddress) }
        }
        let maximumBits = address.count * 8
        guard parsed == 1 else { return nil }
        var bits = maximumBits
        if parts.count == 2 {
            guard parts[1].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let given = Int(parts[1]), given <= maximumBits
            else { return nil }
            bits = given
        }
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(isIPv6 ? 3 : 2))
        buffer.writeInteger(UInt8(bits))
        buffer.writeInteger(UInt8(isCIDR ? 1 : 0))
        buffer.writeInteger(UInt8(address.count))
        buffer.writeBytes(address)
        return buffer
    }
}
