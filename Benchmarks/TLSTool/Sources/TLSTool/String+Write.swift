#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension String {
    /// Writes the string to `path`, replacing the file, with mode 0600.
    func write(toFile path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw ToolError("cannot open \(path)") }
        defer { close(descriptor) }
        let bytes = Array(utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
            throw ToolError("cannot write \(path)")
        }
    }
}
