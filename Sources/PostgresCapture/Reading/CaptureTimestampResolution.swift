/// How finely a capture file records when its packets were captured: microseconds (a pcap file's usual magic number,
/// a pcapng interface without `if_tsresol`) or nanoseconds (`tcpdump --time-stamp-precision=nano`, a pcapng
/// interface whose `if_tsresol` is finer than microseconds), so that times are shown with the digits the file has.
public enum CaptureTimestampResolution: Sendable, Hashable {
    /// Six digits of a second.
    case microseconds
    /// Nine digits of a second.
    case nanoseconds

    /// The digits of the fraction of a second that show a time at this resolution: 6 or 9.
    public var fractionDigits: Int {
        switch self {
        case .microseconds: 6
        case .nanoseconds: 9
        }
    }
}
