import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Looks host names up as libpq does before connecting (`getaddrinfo` for a stream socket, any address family),
/// so that each address is tried in turn and named in errors, as libpq names it: `server at "localhost" (::1)`.
enum HostNameResolver {
    /// The numeric addresses of `host`, in `getaddrinfo`'s order, or libpq's error: `could not translate host name
    /// "db" to address: Name or service not known`. Runs on NIO's blocking thread pool.
    static func addresses(of host: String, port: Int) async throws(PostgresClientError) -> [String] {
        let result: Result<[String], PostgresClientError>
        do {
            result = try await NIOThreadPool.singleton.runIfActive { lookUp(host, port: port) }
        } catch {
            throw PostgresClientError(.unknownHost(host: host, reason: "\(error)"))
        }
        return try result.get()
    }

    /// The blocking lookup.
    static func lookUp(_ host: String, port: Int) -> Result<[String], PostgresClientError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, String(port), &hints, &list)
        guard code == 0, let list else {
            return .failure(
                PostgresClientError(.unknownHost(host: host, reason: String(cString: gai_strerror(code)))))
        }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(
                current.pointee.ai_addr, current.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0,
                NI_NUMERICHOST) == 0
            {
                addresses.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            entry = current.pointee.ai_next
        }
        guard !addresses.isEmpty else {
            return .failure(
                PostgresClientError(.unknownHost(host: host, reason: String(cString: gai_strerror(EAI_NONAME)))))
        }
        return .success(addresses)
    }
}
