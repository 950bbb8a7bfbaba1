import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds a TCP port on 127.0.0.1 that nothing is listening on right now.
public enum FreeLoopbackPort {
    /// Binds an ephemeral port, reads its number and releases it.
    public static func find() throws -> Int {
        let (descriptor, port) = try loopbackSocket(listening: false)
        close(descriptor)
        return port
    }

    /// A TCP socket bound to an ephemeral port on 127.0.0.1 (and listening, with `listening`), and the port; the
    /// caller closes the socket.
    public static func loopbackSocket(listening: Bool) throws -> (descriptor: Int32, port: Int) {
        #if canImport(Glibc)
            let socketType = Int32(SOCK_STREAM.rawValue)
        #else
            let socketType = SOCK_STREAM
        #endif
        let descriptor = socket(AF_INET, socketType, 0)
        guard descriptor >= 0 else {
            throw TestSupportError.missingPrerequisite("a TCP socket (errno \(errno))")
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && (!listening || listen(descriptor, 8) == 0)
                    && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw TestSupportError.missingPrerequisite("a free port on 127.0.0.1 (errno \(errno))")
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }
}
