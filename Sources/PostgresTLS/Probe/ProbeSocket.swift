#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A blocking TCP connection whose connect, reads and writes give up after a timeout; for the probe only.
final class ProbeSocket {
    private let descriptor: Int32

    /// Connects to the first address of `host` that accepts, waiting at most `timeout` seconds per step.
    init(host: String, port: Int, timeout: Int) throws(TLSProbeError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let lookup = getaddrinfo(host, String(port), &hints, &list)
        guard lookup == 0, let first = list else {
            throw TLSProbeError("cannot resolve \(host): \(String(cString: gai_strerror(lookup)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = ECONNREFUSED
        for address in sequence(first: first, next: { $0.pointee.ai_next }) {
            let info = address.pointee
            let descriptor = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
            guard descriptor >= 0 else {
                lastError = errno
                continue
            }
            var limit = timeval(tv_sec: timeout, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            if connect(descriptor, info.ai_addr, info.ai_addrlen) == 0 {
                self.descriptor = descriptor
                return
            }
            lastError = errno
            close(descriptor)
        }
        throw TLSProbeError("cannot connect to \(host):\(port): \(String(cString: strerror(lastError)))")
    }

    deinit { close(descriptor) }

    /// Sends all of `bytes`.
    func write(_ bytes: some Sequence<UInt8>) throws(TLSProbeError) {
        let bytes = Array(bytes)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes {
                send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else {
                if count < 0 && errno == EINTR { continue }
                throw TLSProbeError("sending failed: \(String(cString: strerror(errno)))")
            }
            sent += count
        }
    }

    /// Whatever arrives next, up to `limit` bytes; empty when the server has closed the connection.
    func read(upTo limit: Int = 16384) throws(TLSProbeError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: limit)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(buffer.prefix(count)) }
            if errno == EINTR { continue }
            let reason = errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : String(cString: strerror(errno))
            throw TLSProbeError("receiving failed: \(reason)")
        }
    }
}
