import Foundation
import PostgresWire

/// The interactive loop: lines from the terminal to the session until `\quit`, Ctrl-D or the connection's end;
/// after Ctrl-D in client mode, the replies still owed arrive before the connection closes.
public enum REPLInteractive {
    /// Runs `session` on the terminal; Ctrl-C while replies are owed sends a CancelRequest, as psql does.
    public static func run(session: REPLSession, terminal: REPLTerminal = .shared) async {
        REPLInterrupts.onInterrupt { terminal.interrupt() }
        defer { REPLInterrupts.onInterrupt(nil) }
        let history = ProcessInfo.processInfo.environment["HOME"].map { $0 + "/.pgw_history" }
        let direction = session.direction
        terminal.print(
            "Type \(direction) messages in the text form ("
                + (direction == .frontend ? #"Query "select 1""# : #"DataRow ["1"]"#)
                + "); \\help lists them, \\quit leaves.")
        for await input in terminal.inputs(prompt: "pgw> ", historyFile: history, direction: direction) {
            switch input {
            case .interrupt:
                if await session.isWaitingForReady { _ = await session.execute("\\cancel") }
            case .line(let line):
                switch await session.execute(line) {
                case .done: break
                case .quit: return await terminal.stop()
                case .failed(let reason): terminal.print(reason)
                }
            }
            if await session.hasEnded { return await terminal.stop() }
        }
        // Ctrl-D: the editing thread still saves the history; wait for it before the program may exit. In client
        // mode, replies still owed are shown first (up to the timeout), as at the end of a script.
        await terminal.stop()
        if direction == .frontend, case .failed(let reason) = await session.waitForReady() { terminal.print(reason) }
    }
}
