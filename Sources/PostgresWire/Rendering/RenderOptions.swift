/// How messages are rendered.
public struct RenderOptions: Sendable, Hashable {
    /// Show passwords, SASL and GSS data and cancel keys instead of masking them.
    public var revealSecrets: Bool
    /// The longest value shown in a text line before it is cut; JSON always shows whole values.
    public var maximumTextValueLength: Int
    /// Text lines that ``TextFormParser`` reads back into the same bytes: no value is cut, bytes that could be
    /// mistaken for `\x` hex are written as hex, and the fields a summary leaves out (an ErrorResponse's fields, a
    /// RowDescription's column attributes, a FunctionCall's argument formats) are written as `name=value`.
    /// Together with `revealSecrets`, every message round-trips.
    public var isLossless: Bool

    /// Options; the defaults mask secrets, cut values at 120 characters and leave out what summaries omit.
    public init(revealSecrets: Bool = false, maximumTextValueLength: Int = 120, isLossless: Bool = false) {
        self.revealSecrets = revealSecrets
        self.maximumTextValueLength = maximumTextValueLength
        self.isLossless = isLossless
    }

    /// Every field, uncut and with secrets shown: the text form that round-trips through ``TextFormParser``.
    public static let lossless = RenderOptions(revealSecrets: true, isLossless: true)
}
