/// How `pgw decode` writes a latency.
enum DecodeLatency {
    /// Milliseconds with three decimals: `1.234 ms`.
    static func text(_ seconds: Double) -> String {
        let microseconds = Int((seconds * 1_000_000).rounded())
        let fraction = String(microseconds % 1000)
        return "\(microseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count) + fraction) ms"
    }
}
