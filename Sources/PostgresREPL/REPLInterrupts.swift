import Dispatch
import Foundation
import NIOConcurrencyHelpers

/// Ctrl-C (SIGINT) for the whole process, caught once and handed to what `pgw repl` is doing: the login (which
/// ends pgw), a script (which cancels the running statement) or the terminal (which empties the line).
///
/// One dispatch source serves every phase: libdispatch installs its handler for a signal with the first source
/// only, so a later source made after `signal(SIGINT, SIG_IGN)` would leave Ctrl-C ignored. Caught this way, Ctrl-C
/// also works when pgw was started with SIGINT ignored (a shell's background job).
public enum REPLInterrupts {
    /// What Ctrl-C does now.
    private static let action = NIOLockedValueBox<(@Sendable () -> Void)?>(nil)

    /// The source, made on first use.
    nonisolated(unsafe) private static let source: any DispatchSourceSignal = {
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        signal(SIGINT, SIG_IGN)
        source.setEventHandler { action.withLockedValue { $0 }?() }
        source.resume()
        return source
    }()

    /// From now on Ctrl-C calls `handler` (on a dispatch queue) in place of what it did before; `nil`: nothing.
    public static func onInterrupt(_ handler: (@Sendable () -> Void)?) {
        _ = source
        action.withLockedValue { $0 = handler }
    }
}
