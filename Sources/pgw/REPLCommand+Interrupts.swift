import Foundation
import NIOConcurrencyHelpers
import PostgresREPL

extension REPLCommand {
    /// Until the session starts (while pgw connects, logs in or asks for a password), Ctrl-C (SIGINT) ends pgw at
    /// once with status 1, as it ends psql: the terminal's echo is turned back on first. pgw catches the signal
    /// itself (``REPLInterrupts``), so this holds even when it was started with SIGINT ignored.
    static func exitOnInterrupt() {
        REPLInterrupts.onInterrupt {
            TerminalPassword.restoreEcho()
            printError("pgw: cancelled")
            Foundation.exit(1)
        }
    }

    /// While a script runs, Ctrl-C (SIGINT) cancels the statement running, as psql's does: a CancelRequest goes to
    /// the server (which answers the statement with 57014), and the script stops once it has been answered; with
    /// nothing running, the script stops at once. A second Ctrl-C ends pgw at once. Returns the cancelling once
    /// Ctrl-C was pressed (asked after each line; the script stops when it is done).
    static func cancelOnInterrupt(_ session: REPLSession, name: String) -> @Sendable () -> Task<Void, Never>? {
        let cancelling = NIOLockedValueBox<Task<Void, Never>?>(nil)
        REPLInterrupts.onInterrupt {
            cancelling.withLockedValue { cancelling in
                guard cancelling == nil else {
                    printError("pgw: \(name): interrupted")
                    Foundation.exit(1)
                }
                cancelling = Self.cancel(session, name: name)
            }
        }
        return { cancelling.withLockedValue { $0 } }
    }

    /// Cancels the statement running, or ends pgw when nothing runs.
    private static func cancel(_ session: REPLSession, name: String) -> Task<Void, Never> {
        Task {
            guard await session.isWaitingForReady else {
                printError("pgw: \(name): interrupted")
                Foundation.exit(1)
            }
            if case .failed(let reason) = await session.execute("\\cancel") { printError("pgw: \(reason)") }
        }
    }
}
