/// Size limits the decoders enforce.
public enum WireLimits {
    /// PostgreSQL's `MAX_STARTUP_PACKET_LENGTH`: the largest untyped startup-phase packet.
    public static let maximumStartupPacketLength = 10_000
    /// The default largest typed message, PostgreSQL's `MaxAllocSize` (1 GiB - 1).
    public static let defaultMaximumMessageLength = 0x3FFF_FFFF
    /// The longest cancel key protocol 3.2 allows.
    public static let maximumCancelKeyLength = 256
}
