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
    /// How finely the file records its packets' times (their ``CapturedPacket/timestamp`` always has nanoseconds:
    /// a microsecond file's scaled up).
    public let timestampResolution: CaptureTimestampResolution

    /// The link-layer type's name and description as libpcap gives them (`PPP_ETHER (PPPoE)`), or its number.
    public var linkTypeDescription: String {
        guard let name = pcap_datalink_val_to_name(linkType) else { return "number \(linkType)" }
        let description = pcap_datalink_val_to_description(linkType).map { String(cString: $0) }
        return String(cString: name) + (description.map { " (\($0))" } ?? "")
    }
    /// Whether the file is a regular file (not standard input, a pipe or a device), whose reading can be asked for
    /// ahead.
    private let isRegularFile: Bool
    private var handle: OpaquePointer?
    /// The compiled `--filter`, which each packet is tested against (``CapturedPacket/matchesFilter``); freed on close.
    private var filterProgram: bpf_program?
    /// The size of the buffer the file is read through.
    private static let streamBufferSize = 1 << 20
    /// The buffer the file is read through, freed once the file is closed.
    private let streamBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: streamBufferSize)
    /// How far ahead of the position the kernel is asked to read (see ``adviseReadingAhead()``), and after how many
    /// bytes of packets it is asked again (a fraction of the window, so that the disk never runs out of work).
    private static let readAheadWindow = 32 << 20
    private static let bytesPerAdvice = 4 << 20
    /// The end of the bytes the kernel was last asked to read ahead, and the bytes of packets read since.
    private var advisedUpTo = 0
    private var bytesSinceAdvice = 0
    private let allocator = ByteBufferAllocator()

    /// Opens `path` (`-` for standard input) with nanosecond timestamps and, when given, a BPF `filter` (tcpdump's
    /// expression syntax) that each packet is tested against: every packet is read, those that do not match marked
    /// (``CapturedPacket/matchesFilter``), so that connections keep the numbers they have without the filter.
    public init(path: String, filter: String? = nil) throws(CaptureFileError) {
        name = path == "-" ? "standard input" : "'\(path)'"
        // Opened here rather than by libpcap, to read through a large buffer: libpcap reads packet by packet, and
        // through stdio's default buffer (a page) a capture of small packets costs a system call every page or two.
        guard let stream = path == "-" ? fdopen(STDIN_FILENO, "rb") : fopen(path, "rb") else {
            streamBuffer.deallocate()
            throw CaptureFileError(kind: .open, name: name, reason: String(cString: strerror(errno)))
        }
        // Given its buffer: with none, glibc ignores the size asked for.
        setvbuf(stream, streamBuffer, _IOFBF, Self.streamBufferSize)
        // The first byte read fills the buffer, and is put back: the bytes read ahead tell what libpcap does not, the
        // resolution of the file's times; and an empty file is said to be empty (libpcap calls it a truncated dump
        // file).
        let first = getc(stream)
        guard first != EOF else {
            let reason =
                ferror(stream) != 0
                ? String(cString: strerror(errno)) : path == "-" ? "the input is empty" : "the file is empty"
            fclose(stream)
            streamBuffer.deallocate()
            throw CaptureFileError(kind: .open, name: name, reason: reason)
        }
        ungetc(first, stream)
        timestampResolution = CaptureFileHeader.timestampResolution(of: Self.bufferedBytes(of: stream))
        var errorText = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard
            let opened = pcap_fopen_offline_with_tstamp_precision(
                stream, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorText)
        else {
            fclose(stream)
            streamBuffer.deallocate()
            throw Self.mixedInterfaceError(Self.reason(errorText), name: name, handle: nil)
                ?? CaptureFileError(kind: .open, name: name, reason: Self.reason(errorText))
        }
        handle = opened
        linkType = pcap_datalink(opened)
        isRegularFile = Self.isRegularFile(opened)
        Self.adviseSequentialReading(opened)
        adviseReadingAhead()
        if let filter {
            var program = bpf_program()
            guard pcap_compile(opened, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                let reason = String(cString: pcap_geterr(opened))
                close()
                throw CaptureFileError(kind: .filter, name: name, reason: reason)
            }
            filterProgram = program
        }
    }

    deinit {
        close()
        streamBuffer.deallocate()
    }

    /// The next packet, marked whether it matches the filter; `nil` at the end of the file.
    public func nextPacket() throws(CaptureFileError) -> CapturedPacket? {
        guard let handle else { return nil }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        switch pcap_next_ex(handle, &header, &data) {
        case 1:
            guard let header, let data else { return nil }
            let length = Int(header.pointee.caplen)
            bytesSinceAdvice += length
            if bytesSinceAdvice >= Self.bytesPerAdvice { adviseReadingAhead() }
            var buffer = allocator.buffer(capacity: length)
            buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: length))
            // Opened with nanosecond precision: libpcap's `tv_usec` holds nanoseconds.
            let timestamp = CaptureTimestamp(
                seconds: Int64(header.pointee.ts.tv_sec), carryingNanoseconds: Int64(header.pointee.ts.tv_usec))
            let matches = filterProgram.map { program in
                withUnsafePointer(to: program) { pcap_offline_filter($0, header, data) != 0 }
            }
            return CapturedPacket(
                timestamp: timestamp, linkType: linkType, data: buffer, matchesFilter: matches ?? true)
        case PCAP_ERROR_BREAK:
            close()
            return nil
        default:
            let reason = String(cString: pcap_geterr(handle))
            let error =
                Self.mixedInterfaceError(reason, name: name, handle: handle)
                ?? CaptureFileError(kind: .read, name: name, reason: reason)
            close()
            throw error
        }
    }

    /// The error for libpcap's `reason` when it refuses a pcapng whose interfaces differ (libpcap 1.10 takes one
    /// link type and snapshot length for a whole file, and has no call that reads such files): what differs, named
    /// as libpcap names link types (its first interface's from `handle`, when open); `nil` for other reasons.
    static func mixedInterfaceError(_ reason: String, name: String, handle: OpaquePointer?) -> CaptureFileError? {
        let linkTypePrefix = "an interface has a type "
        let snapshotPrefix = "an interface has a snapshot length "
        let differs = " different from the "
        guard let range = reason.range(of: differs) else { return nil }
        let explanation: String
        let firstLinkType = handle.map { [pcap_datalink($0)] } ?? []
        var linkTypes = firstLinkType
        if reason.hasPrefix(linkTypePrefix), let other = Int32(reason[linkTypePrefix.endIndex..<range.lowerBound]) {
            let types = firstLinkType + [other]
            // The refused one's type is known only with the first's: alone, it would pass for interface 0's.
            linkTypes = firstLinkType.isEmpty ? [] : types
            let names = types.map(CaptureFileError.description(of:))
            explanation = "different link types (here \(names.joined(separator: " and ")))"
        } else if reason.hasPrefix(snapshotPrefix),
            let other = Int32(reason[snapshotPrefix.endIndex..<range.lowerBound])
        {
            let lengths = (handle.map { [pcap_snapshot($0)] } ?? []) + [other]
            explanation = "different snapshot lengths (here \(lengths.map(String.init).joined(separator: " and ")))"
        } else {
            return nil
        }
        let text = "libpcap cannot read a pcapng whose interfaces have \(explanation)"
        return CaptureFileError(kind: .mixedInterfaces, name: name, reason: text, interfaceLinkTypes: linkTypes)
    }

    /// Whether reading the next packet may wait for bytes not yet written: the input is not a regular file (a pipe
    /// from `tcpdump -U -w -`, a terminal, a socket), every byte read from it so far has been taken, and no more are
    /// ready. What was decoded from the packets so far can then be shown before the wait. One comparison for a
    /// regular file, whose reads do not wait; for other inputs, a `poll` only once the buffered bytes are used up.
    public var mayWaitForInput: Bool {
        guard !isRegularFile, let handle, let file = pcap_file(handle) else { return false }
        guard Self.bufferedBytes(of: file).isEmpty else { return false }
        var input = pollfd(fd: fileno(file), events: Int16(POLLIN), revents: 0)
        return poll(&input, 1, 0) == 0
    }

    /// Closes the file; ``nextPacket()`` then returns `nil`.
    public func close() {
        if filterProgram != nil {
            pcap_freecode(&filterProgram!)
            filterProgram = nil
        }
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

    /// Asks the kernel to read the next ``readAheadWindow`` bytes after the current position, without waiting: the
    /// disk then reads while the packets before are decoded, instead of taking turns with the decoding (the kernel's
    /// own read-ahead is the device's `read_ahead_kb`, 128 KiB by default, doubled for a sequential reader). Only
    /// for regular files.
    private func adviseReadingAhead() {
        bytesSinceAdvice = 0
        #if os(Linux)
            guard isRegularFile, let handle, let file = pcap_file(handle) else { return }
            let position = Int(ftello(file))
            guard position >= 0, advisedUpTo < position + Self.readAheadWindow else { return }
            let start = max(advisedUpTo, position)
            advisedUpTo = position + Self.readAheadWindow
            _ = posix_fadvise(fileno(file), off_t(start), off_t(advisedUpTo - start), POSIX_FADV_WILLNEED)
        #endif
    }

    /// The bytes `file` has read into its buffer and not handed out yet.
    private static func bufferedBytes(of file: UnsafeMutablePointer<FILE>) -> UnsafeRawBufferPointer {
        #if canImport(Glibc)
            guard let start = file.pointee._IO_read_ptr, let end = file.pointee._IO_read_end else {
                return UnsafeRawBufferPointer(start: nil, count: 0)
            }
            return UnsafeRawBufferPointer(start: start, count: max(start.distance(to: end), 0))
        #elseif canImport(Darwin)
            return UnsafeRawBufferPointer(start: file.pointee._p, count: max(Int(file.pointee._r), 0))
        #endif
    }

    private static func isRegularFile(_ handle: OpaquePointer) -> Bool {
        var status = stat()
        guard let file = pcap_file(handle), fstat(fileno(file), &status) == 0 else { return false }
        return status.st_mode & S_IFMT == S_IFREG
    }

    private static func reason(_ errorText: [CChar]) -> String {
        String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
