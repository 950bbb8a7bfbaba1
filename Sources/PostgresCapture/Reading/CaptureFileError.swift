/// A capture file that cannot be opened, filtered or read: what failed and libpcap's reason (which includes the
/// system's reason for file errors).
public struct CaptureFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The file cannot be opened or is not a pcap or pcapng file.
        case open
        /// The BPF filter expression does not compile.
        case filter
        /// The file is damaged or truncated after its start.
        case read
        /// The file is sound but libpcap cannot read it: a pcapng whose interfaces have different link types or
        /// snapshot lengths (a capture on several interfaces at once, `dumpcap -i lo -i any`).
        case mixedInterfaces
        /// The file cannot be written.
        case write
    }

    /// What went wrong.
    public var kind: Kind
    /// The file's name, quoted, or "standard input".
    public var name: String
    /// libpcap's or the system's explanation.
    public var reason: String

    /// Creates an error.
    public init(kind: Kind, name: String, reason: String) {
        self.kind = kind
        self.name = name
        self.reason = reason
    }

    /// The value as text, as `String(describing:)` and string interpolation show it.
    public var description: String {
        switch kind {
        case .open: "cannot read capture \(name): \(reason)"
        case .filter: "invalid --filter expression: \(reason)"
        case .read: "capture \(name) is damaged: \(reason)"
        case .mixedInterfaces: "cannot read capture \(name): \(reason)"
        case .write: "cannot write capture \(name): \(reason)"
        }
    }

    /// What to do about it.
    public var hint: String {
        switch kind {
        case .open:
            "give a pcap or pcapng file, as written by tcpdump -w, Wireshark or dumpcap ('-' reads standard input)"
        case .filter: "the filter is a BPF expression as tcpdump takes it, for example \"host 10.0.0.5 and port 5432\""
        case .read: "the messages before the damage were decoded; the capture may have been cut off while written"
        case .mixedInterfaces:
            "capture on one interface, or write each interface's packets to a pcap of their own and decode each: "
                + "tshark -r \(name) -Y 'frame.interface_id == 0' -w i0.pcapng; editcap -F pcap -T ether i0.pcapng "
                + "i0.pcap (-T linux-sll or linux-sll2 for a Linux cooked interface)"
        case .write: "check the directory exists and is writable"
        }
    }
}
