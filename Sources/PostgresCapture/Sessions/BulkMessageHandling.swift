/// What ``CaptureConnection`` does with the DataRow and CopyData messages of a session, the bulk of most captures.
/// The closures are only ever called during the call that is given them (``CaptureDecoder`` passes its non-escaping
/// arguments with `withoutActuallyEscaping`).
enum BulkMessageHandling {
    /// Decoded into events, as every other message.
    case decoded
    /// Framed in place, each message handed to the closure instead of becoming an event.
    case framed((CaptureFrame) -> Void)
    /// Counted in place, by runs handed to the closure.
    case counted((CaptureMessageRun) -> Void)
}
