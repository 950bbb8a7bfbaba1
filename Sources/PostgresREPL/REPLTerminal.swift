import CLibEdit
import Foundation
import NIOConcurrencyHelpers
import PostgresWire

/// The interactive terminal: line editing through libedit on a thread of its own, so that replies print above the
/// prompt as they arrive without garbling what is being typed.
///
/// History persists in `~/.pgw_history`; Tab completes message names, field names and meta-commands
/// (``REPLCompletion``); a line ending inside a quoted string continues on the next (prompt `pgw"> `, as psql's
/// `'>`); Ctrl-C clears the line (and is reported, so a running query can be cancelled); Ctrl-D on an empty line ends
/// the input.
public final class REPLTerminal: Sendable {
    /// What the person did.
    public enum Input: Sendable, Hashable {
        /// A line was entered.
        case line(String)
        /// Ctrl-C.
        case interrupt
    }

    private struct State {
        var output: [String] = []
        var interrupted = false
        var isStopping = false
        var isRunning = false
    }

    /// The one terminal (libedit's state is global).
    public static let shared = REPLTerminal()

    /// The prompt while a quoted string continues on the next line.
    public static let continuationPrompt = #"pgw"> "#

    private let state = NIOLockedValueBox(State())
    private let wakeup: (read: Int32, write: Int32)
    /// Where the lines go while the terminal runs (set on the editing thread only).
    nonisolated(unsafe) private static var continuation: AsyncStream<Input>.Continuation?
    nonisolated(unsafe) private static var completionCandidates: [String] = []
    /// Whether a line was entered and nothing typed since: libedit's buffer still shows the old line then.
    nonisolated(unsafe) private static var isLineJustEntered = false
    /// The prompt while editing.
    nonisolated(unsafe) private static var prompt = ""
    /// The lines entered so far of a line that ends inside a quoted string.
    nonisolated(unsafe) private static var partialLine: String?
    /// Whose messages are typed, for completion.
    nonisolated(unsafe) private static var direction = MessageDirection.frontend

    /// The prompt to show now: the continuation prompt inside a quoted string.
    private static var currentPrompt: String { partialLine == nil ? prompt : continuationPrompt }

    /// Receives each line from libedit (`nil` at Ctrl-D on an empty line).
    private static let lineHandler: @convention(c) (UnsafeMutablePointer<CChar>?) -> Void = { line in
        guard let line else {
            REPLTerminal.continuation?.finish()
            REPLTerminal.continuation = nil
            return
        }
        // A byte that is not UTF-8 stays that byte (WireText), as in a script.
        let bytes = UnsafeBufferPointer(
            start: UnsafeRawPointer(line).assumingMemoryBound(to: UInt8.self), count: strlen(line))
        let typed = String(validating: bytes, as: UTF8.self) ?? WireText.decode(bytes)
        free(line)
        REPLTerminal.isLineJustEntered = true
        let text = REPLTerminal.partialLine.map { $0 + "\n" + typed } ?? typed
        guard !REPLSession.continuesOnNextLine(text) else {
            REPLTerminal.partialLine = text
            return
        }
        REPLTerminal.partialLine = nil
        if !text.allSatisfy(\.isWhitespace) { add_history(text) }
        REPLTerminal.continuation?.yield(.line(text))
    }

    private init() {
        var descriptors: [Int32] = [-1, -1]
        if pipe(&descriptors) == 0 {
            _ = fcntl(descriptors[0], F_SETFL, fcntl(descriptors[0], F_GETFL) | O_NONBLOCK)
            _ = fcntl(descriptors[1], F_SETFL, fcntl(descriptors[1], F_GETFL) | O_NONBLOCK)
        }
        wakeup = (descriptors[0], descriptors[1])
    }

    /// Prints `text` above the prompt (or just prints it when the terminal is not running).
    public func print(_ text: String) {
        let running = state.withLockedValue { state in
            if state.isRunning { state.output.append(text) }
            return state.isRunning
        }
        if running {
            poke()
        } else {
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        }
    }

    /// Reports Ctrl-C to the editing thread.
    public func interrupt() {
        state.withLockedValue { $0.interrupted = true }
        poke()
    }

    /// Starts editing `direction`'s messages with `prompt`; the lines arrive in the stream, which ends at Ctrl-D.
    public func inputs(prompt: String, historyFile: String?, direction: MessageDirection = .frontend)
        -> AsyncStream<Input>
    {
        let (stream, continuation) = AsyncStream<Input>.makeStream()
        state.withLockedValue { $0 = State(isRunning: true) }
        let thread = Thread { [self] in
            Self.direction = direction
            self.edit(prompt: prompt, historyFile: historyFile, continuation: continuation)
        }
        thread.start()
        return stream
    }

    /// Ends editing (the stream finishes) and waits until the history is saved and the terminal restored.
    public func stop() async {
        state.withLockedValue { $0.isStopping = true }
        poke()
        while state.withLockedValue({ $0.isRunning }) { try? await Task.sleep(for: .milliseconds(5)) }
    }

    private func poke() {
        var byte: UInt8 = 1
        _ = write(wakeup.write, &byte, 1)
    }

    private func edit(prompt: String, historyFile: String?, continuation: AsyncStream<Input>.Continuation) {
        Self.continuation = continuation
        Self.prompt = prompt
        pgw_rl_leave_signals_alone()
        pgw_rl_break_words_at_spaces()
        pgw_rl_set_completion { text, start, _ in
            let candidates = text.map {
                REPLCompletion.candidates(
                    for: String(cString: $0), at: Int(start), in: String(cString: pgw_rl_line_buffer()),
                    direction: REPLTerminal.direction)
            }
            guard let text, let candidates, !candidates.isEmpty else {
                pgw_rl_completion_over()
                return nil
            }
            REPLTerminal.completionCandidates = candidates
            // A field name ends in '=': the value follows it directly.
            pgw_rl_set_completion_append(candidates.allSatisfy { $0.hasSuffix("=") } ? 0 : 32)
            return rl_completion_matches(text) { _, index in
                let candidates = REPLTerminal.completionCandidates
                return index < candidates.count ? strdup(candidates[Int(index)]) : nil
            }
        }
        if let historyFile { _ = read_history(historyFile) }
        rl_callback_handler_install(prompt, Self.lineHandler)
        var descriptors = [
            pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeup.read, events: Int16(POLLIN), revents: 0),
        ]
        while Self.continuation != nil {
            guard poll(&descriptors, 2, -1) >= 0 || errno == EINTR else { break }
            if descriptors[1].revents != 0 { showPending() }
            if descriptors[0].revents != 0 {
                Self.isLineJustEntered = false
                rl_callback_read_char()
                // libedit puts the terminal back in canonical mode after each line (keys would then wait for
                // Enter, echoed by the terminal); the next line is edited key by key again.
                if Self.isLineJustEntered {
                    rl_callback_handler_install(Self.currentPrompt, Self.lineHandler)
                    rl_prep_terminal(1)
                    Self.isLineJustEntered = false
                }
            }
        }
        rl_callback_handler_remove()
        FileHandle.standardOutput.write(Data("\n".utf8))
        if let historyFile { Self.saveHistory(historyFile) }
        let output = state.withLockedValue { state in
            defer { state = State() }
            return state.output
        }
        if !output.isEmpty { FileHandle.standardOutput.write(Data((output.joined(separator: "\n") + "\n").utf8)) }
    }

    /// Prints what arrived above the prompt, then redraws the prompt and the line being typed.
    private func showPending() {
        var byte: UInt8 = 0
        while read(wakeup.read, &byte, 1) == 1 {}
        let (output, interrupted, stopping) = state.withLockedValue { state in
            defer { (state.output, state.interrupted) = ([], false) }
            return (state.output, state.interrupted, state.isStopping)
        }
        if stopping {
            Self.continuation?.finish()
            Self.continuation = nil
        }
        if interrupted {
            // Reinstalling the handler is what empties libedit's line buffer (rl_replace_line ignores "").
            rl_callback_handler_remove()
            FileHandle.standardOutput.write(Data("^C\n".utf8))
            Self.partialLine = nil
            rl_callback_handler_install(Self.prompt, Self.lineHandler)
            Self.isLineJustEntered = false
            Self.continuation?.yield(.interrupt)
        }
        if !output.isEmpty {
            FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + output.joined(separator: "\n") + "\n").utf8))
            if !stopping && Self.isLineJustEntered {
                FileHandle.standardOutput.write(Data(Self.currentPrompt.utf8))
            } else if !stopping {
                rl_forced_update_display()
            }
        }
    }

    /// Writes the history to `path` atomically: a new file next to it (never following a symlink), then rename.
    private static func saveHistory(_ path: String) {
        guard let file = SiblingTemporaryFile(beside: path) else { return }
        let temporary = file.path
        close(file.descriptor)
        if write_history(temporary) == 0 {
            _ = history_truncate_file(temporary, 1000)
            if rename(temporary, path) == 0 { return }
        }
        unlink(temporary)
    }
}
