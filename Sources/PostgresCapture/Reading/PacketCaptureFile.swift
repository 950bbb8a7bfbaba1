import CPcap
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A pcap or pcapng capture file read packet by packet through libpcap, so memory does not grow with the file.
public final class PacketCaptureFile {
    /// The file's name in messages: the path in quotes, or "standard input".
    public let name: String
    /// The link-layer header type of the file's packets (a libpcap `DLT_` value).
    public let linkType: Int32
    private var handle: OpaquePointer?
    private let allocator = ByteBufferAllocator()

    /// Opens `path` (`-` for standard input) with nanosecond timestamps and, when given, a BPF `filter` (tcpdump's
    /// expression syntax) that packets must match.
    public init(path: String, filter: String? = nil) throws(CaptureFileError) {
        name = path == "-" ? "standard input" : "'\(path)'"
        var errorText = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let opened = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorText)
        else {
            throw CaptureFileError(kind: .open, name: name, reason: Self.reason(errorText))
        }
        handle = opened
        linkType = pcap_datalink(opened)
        Self.adviseSequentialReading(opened)
        if let filter {
            var program = bpf_program()
            guard pcap_compile(opened, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                let reason = String(cString: pcap_geterr(opened))
                close()
                throw CaptureFileError(kind: .filter, name: name, reason: reason)
            }
            defer { pcap_freecode(&program) }
            guard pcap_setfilter(opened, &program) == 0 else {
                let reason = String(cString: pcap_geterr(opened))
                close()
                throw CaptureFileError(kind: .filter, name: name, reason: reason)
            }
        }
    }

    deinit { close() }

    /// The next packet (that matches the filter); `nil` at the end of the file.
    public func nextPacket() throws(CaptureFileError) -> CapturedPacket? {
        guard let handle else { return nil }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        switch pcap_next_ex(handle, &header, &data) {
        case 1:
            guard let header, let data else { return nil }
            let length = Int(header.pointee.caplen)
            var buffer = allocator.buffer(capacity: length)
            buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: length))
            let timestamp = CaptureTimestamp(
                seconds: Int64(header.pointee.ts.tv_sec), nanoseconds: Int32(header.pointee.ts.tv_usec))
            return CapturedPacket(timestamp: timestamp, linkType: linkType, data: buffer)
        case PCAP_ERROR_BREAK:
            close()
            return nil
        default:
            let reason = String(cString: pcap_geterr(handle))
            close()
            throw CaptureFileError(kind: .read, name: name, reason: reason)
        }
    }

    /// Closes the file; ``nextPacket()`` then returns `nil`.
    public func close() {
        guard let handle else { return }
        pcap_close(handle)
        self.handle = nil
    }

    /// Tells the kernel the file is read once from start to end, so that it reads ahead further (as `cat` does):
    /// a capture that is not in the page cache then decodes at about the disk's speed. Standard input and pipes
    /// ignore the advice.
    private static func adviseSequentialReading(_ handle: OpaquePointer) {
        #if os(Linux)
            guard let file = pcap_file(handle) else { return }
            _ = posix_fadvise(fileno(file), 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
    }

    private static func reason(_ errorText: [CChar]) -> String {
        String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
