/// How the rules of a recorded `pgw serve` script match statements (`pgw proxy --record-match`).
public enum RecordedMatching: String, Sendable, CaseIterable {
    /// Each rule matches its statement's exact text and its bound values (`{exact: …}`, `params`): the replay must
    /// send what the recording saw.
    case exact
    /// Each rule matches by fingerprint, without `params`: the same statements with other literal or bound values
    /// (timestamps, generated keys) take the recorded answers in their order.
    case fingerprint
}
