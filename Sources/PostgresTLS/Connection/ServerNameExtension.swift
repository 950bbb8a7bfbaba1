/// Parses the body of a ClientHello's `server_name` extension (RFC 6066, section 3).
enum ServerNameExtension {
    /// The first `host_name` entry, or `nil` when the body is malformed or names no host.
    static func hostName(in body: UnsafeBufferPointer<UInt8>) -> String? {
        guard body.count >= 2, Int(body[0]) << 8 | Int(body[1]) == body.count - 2 else { return nil }
        var index = 2
        while index + 3 <= body.count {
            let type = body[index]
            let length = Int(body[index + 1]) << 8 | Int(body[index + 2])
            let start = index + 3
            guard start + length <= body.count else { return nil }
            if type == 0 {
                return String(decoding: body[start..<start + length], as: UTF8.self)
            }
            index = start + length
        }
        return nil
    }
}
