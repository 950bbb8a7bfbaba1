import CPcap
import Foundation
import PostgresWire

/// Writes a pcap file through libpcap, packet by packet, with nanosecond timestamps (or microsecond ones). The file appears at its
/// path only when ``close()`` succeeds: it is written to a new temporary file in the same directory (created
/// exclusively with mode 0600, as a capture holds passwords and data; never through a symbolic link) and renamed
/// into place.
public final class PacketCaptureWriter {
    /// The file's path.
    public let path: String
    private let temporaryPath: String
    private var handle: OpaquePointer?
    private var dumper: OpaquePointer?
    /// The resolution of the times the file records.
    private let resolution: CaptureTimestampResolution

    /// Creates the temporary file for a capture of packets with link-layer type `linkType` (a `DLT_` value), whose
    /// times have `resolution` (as tcpdump writes with `--time-stamp-precision=nano`, or by default).
    public init(
        path: String, linkType: Int32, resolution: CaptureTimestampResolution = .nanoseconds
    ) throws(CaptureFileError) {
        self.path = path
        self.resolution = resolution
        guard let temporary = SiblingTemporaryFile(beside: path) else {
            throw CaptureFileError(kind: .write, name: "'\(path)'", reason: String(cString: strerror(errno)))
        }
        temporaryPath = temporary.path
        let descriptor = temporary.descriptor
        guard let file = fdopen(descriptor, "wb"),
            let opened = pcap_open_dead_with_tstamp_precision(
                linkType, 262_144,
                UInt32(resolution == .nanoseconds ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO))
        else {
            Foundation.close(descriptor)
            unlink(temporaryPath)
            throw CaptureFileError(kind: .write, name: "'\(path)'", reason: "out of memory")
        }
        handle = opened
        guard let dumper = pcap_dump_fopen(opened, file) else {
            let reason = String(cString: pcap_geterr(opened))
            fclose(file)
            unlink(temporaryPath)
            pcap_close(opened)
            handle = nil
            throw CaptureFileError(kind: .write, name: "'\(path)'", reason: reason)
        }
        self.dumper = dumper
    }

    deinit {
        if dumper != nil {
            pcap_dump_close(dumper)
            unlink(temporaryPath)
        }
        if let handle { pcap_close(handle) }
    }

    /// Appends one packet captured at `timestamp` (its bytes start with the link-layer header; a microsecond file
    /// drops the nanoseconds past the microsecond).
    public func write(_ bytes: [UInt8], at timestamp: CaptureTimestamp) {
        guard let dumper else { return }
        var header = pcap_pkthdr()
        header.ts.tv_sec = Int(timestamp.seconds)
        // The file's unit: nanoseconds in a nanosecond file, which libpcap writes as they are.
        header.ts.tv_usec = Int(timestamp.nanoseconds) / (resolution == .nanoseconds ? 1 : 1000)
        header.caplen = UInt32(bytes.count)
        header.len = UInt32(bytes.count)
        bytes.withUnsafeBufferPointer { data in
            pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), &header, data.baseAddress)
        }
    }

    /// Flushes the file to disk and renames it into place.
    public func close() throws(CaptureFileError) {
        guard let dumper else { return }
        let file = pcap_dump_file(dumper)
        let flushed = pcap_dump_flush(dumper) == 0 && file.map { fsync(fileno($0)) == 0 } ?? false
        let failure = errno
        pcap_dump_close(dumper)
        self.dumper = nil
        guard flushed, rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(flushed ? errno : failure))
            unlink(temporaryPath)
            throw CaptureFileError(kind: .write, name: "'\(path)'", reason: reason)
        }
    }
}
