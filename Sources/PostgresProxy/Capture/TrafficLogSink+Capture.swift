import PostgresTLS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension TrafficLogSink {
    /// A sink appending the proxy's pcapng capture to the file at `path`, opened as ``file(atPath:capacity:)`` opens
    /// a log (created with mode 0600, an existing file made private, never through a symbolic link).
    ///
    /// A new or empty file gets the section header and the interface first. A file that starts with them (a capture
    /// an earlier run wrote) goes on in that section, whose length is left unknown: libpcap, and so `pgw decode`,
    /// reads no second section with the same raw-IP interface. Any other file is refused, not spoiled.
    public static func capture(atPath path: String, capacity: Int = 1 << 20) throws(OutputFileError) -> TrafficLogSink {
        let header = PcapngFormat.fileHeader()
        let start = try leadingBytes(of: path, count: header.count)
        guard start.isEmpty || start == header else {
            throw OutputFileError("'\(path)' is not a capture pgw proxy wrote; give a new file for --pcap")
        }
        let sink = try file(atPath: path, capacity: capacity)
        if start.isEmpty { sink.write(bytes: header) }
        return sink
    }

    /// Up to `count` bytes from the start of the regular file at `path`: none when it does not exist, is empty or is
    /// a device or a pipe (which are written as they are).
    private static func leadingBytes(of path: String, count: Int) throws(OutputFileError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return [] }  // opening it for writing tells why, in the usual words
        defer { closeReadDescriptor(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, 0) }
        guard read >= 0 else {
            throw OutputFileError("cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
        return Array(bytes[..<read])
    }
}

/// `close(2)`, named apart from ``TrafficLogSink/close()``.
private func closeReadDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}
