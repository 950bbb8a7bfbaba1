/// Why a statement that passed the proxy is left out of a recorded script; the script's first line counts the
/// statements left out by reason.
enum UnrecordableReason: String, Sendable, CaseIterable {
    /// A FunctionCall (the fast-path interface): a script rule answers statements only.
    case functionCall = "FunctionCall"
    /// A binary value of a type whose text form pgw cannot read (a rule holds values as text).
    case binaryValue = "binary values of types pgw cannot read as text"
    /// `COPY … TO STDOUT` in the binary format (a rule's `copy_out` is COPY's text format).
    case binaryCopyOut = "binary COPY TO STDOUT"
    /// A COPY the server answered with CopyBothResponse (replication).
    case copyBoth = "COPY BOTH (replication)"
    /// A `COPY … FROM STDIN` the server failed after taking data (an error rule would refuse the COPY before the
    /// client sends it).
    case failedCopyIn = "failed COPY FROM STDIN"
    /// A cursor moved ABSOLUTE or RELATIVE past its end before it reached it otherwise: where the replay's cursor
    /// must end is not known.
    case cursorPastUnknownEnd = "cursors moved past an end not reached before"
    /// A portal whose Execute failed after an earlier one stopped at its row limit (a rule cannot answer rows and
    /// then an error).
    case failedSuspendedPortal = "portals failing after their row limit"
    /// An answer over ``SessionRecorder/maximumStatementBytes``.
    case largeAnswer = "answers over 16 MiB"
    /// A message over the proxy's decoding limit (``ConnectionTap/largestDecodedMessage``, or
    /// ``ConnectionTap/largestRecordedStatementMessage`` for a Query or Parse): a Bind, a DataRow, a CopyData, or
    /// the statement a Parse or Bind too large belonged to.
    case undecodedMessage = "messages too large to decode (over 1 MiB; a Query or Parse over 16 MiB)"
}
