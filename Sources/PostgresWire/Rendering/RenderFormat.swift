/// An output format for decoded messages.
public enum RenderFormat: String, Sendable, CaseIterable {
    /// One readable line per message, prefixed with `F` (frontend) or `B` (backend).
    case text
    /// One JSON object per line (JSON Lines).
    case json
    /// A header line per message followed by a hex dump of its bytes.
    case hex
}
