import CPcap

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
    /// For a pcapng whose interfaces libpcap cannot read together: the link types (`DLT_` values) known, the first
    /// interface's first, then the one libpcap refused (the first interface's alone when their snapshot lengths
    /// differ); empty when unknown.
    public var interfaceLinkTypes: [Int32]

    /// Creates an error.
    public init(kind: Kind, name: String, reason: String, interfaceLinkTypes: [Int32] = []) {
        self.kind = kind
        self.name = name
        self.reason = reason
        self.interfaceLinkTypes = interfaceLinkTypes
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
        case .mixedInterfaces: mixedInterfacesHint
        case .write: "check the directory exists and is writable"
        }
    }

    /// How to split a pcapng libpcap cannot read into pcaps of one interface each, with editcap's name for each
    /// interface's link type where it is known: interface 0's, and the one libpcap refused.
    private var mixedInterfacesHint: String {
        let split =
            "capture on one interface, or write each interface's packets to a pcap of their own and decode each: "
            + "tshark -r \(name) -Y 'frame.interface_id == 0' -w i0.pcapng; editcap -F pcap -T "
        guard let first = interfaceLinkTypes.first, let firstName = Self.editcapEncapsulation(first) else {
            return split + "ether i0.pcapng i0.pcap (-T linux-sll or linux-sll2 for a Linux cooked interface; capinfos "
                + "\(name) names each interface's link type)"
        }
        var hint = split + "\(firstName) i0.pcapng i0.pcap (interface 0 is \(Self.description(of: first)))"
        if interfaceLinkTypes.count > 1, let other = Self.editcapEncapsulation(interfaceLinkTypes[1]) {
            hint +=
                "; likewise for each other interface N ('frame.interface_id == N'), with -T \(other) for "
                + "\(Self.description(of: interfaceLinkTypes[1])) (capinfos \(name) names each interface's link type)"
        } else {
            hint += "; likewise for each other interface N ('frame.interface_id == N')"
        }
        return hint
    }

    /// editcap's name (`-T`) for the link type `linkType` (a `DLT_` value) of the ones pgw reads; `nil` for others.
    private static func editcapEncapsulation(_ linkType: Int32) -> String? {
        switch linkType {
        case PacketParser.LinkType.ethernet: "ether"
        case PacketParser.LinkType.linuxSLL: "linux-sll"
        case PacketParser.LinkType.linuxSLL2: "linux-sll2"
        case PacketParser.LinkType.null: "null"
        case PacketParser.LinkType.loop: "loop"
        case PacketParser.LinkType.ppp, PacketParser.LinkType.pppSerial: "ppp"
        case PacketParser.LinkType.raw, PacketParser.LinkType.rawOpenBSD, PacketParser.LinkType.rawLinkType: "rawip"
        case PacketParser.LinkType.ipv4: "rawip4"
        case PacketParser.LinkType.ipv6: "rawip6"
        default: nil
        }
    }

    /// libpcap's description of the link type `linkType` (`Linux cooked v2`), or its number.
    static func description(of linkType: Int32) -> String {
        String(cString: pcap_datalink_val_to_description_or_dlt(linkType))
    }
}
