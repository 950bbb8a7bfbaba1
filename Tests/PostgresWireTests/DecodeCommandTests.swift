import Foundation
import NIOCore
import PostgresTestSupport
import PostgresWire
import Testing

/// `pgw decode` as a user runs it: files, pipes, FIFOs, process substitution, bad inputs and outputs.
@Suite("pgw decode reads streams and reports I/O errors")
struct DecodeCommandTests {
    /// A new directory for one test's files, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-decode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// The frontend and backend bytes of `session` written to files in `directory`.
    static func write(_ session: SyntheticSessions.Session, into directory: URL) throws -> (String, String) {
        let frontend = directory.appending(path: "frontend.bin")
        let backend = directory.appending(path: "backend.bin")
        try Data(session.frontendBytes.readableBytesView).write(to: frontend)
        try Data(session.backendBytes.readableBytesView).write(to: backend)
        return (frontend.path, backend.path)
    }

    /// A frontend stream of a startup packet and `count` queries: enough output to overflow a pipe.
    static func manyQueries(_ count: Int) -> ByteBuffer {
        var bytes = encoded(SyntheticSessions.startup)
        for index in 0..<count {
            bytes.writeImmutableBuffer(encoded(.query(Query("select \(index), 'some text to print'"))))
        }
        return bytes
    }

    /// A new FIFO in `directory`.
    static func makeFIFO(in directory: URL) throws -> String {
        let fifo = directory.appending(path: "frontend.fifo").path
        try #require(mkfifo(fifo, 0o600) == 0, "mkfifo: \(String(cString: strerror(errno)))")
        return fifo
    }

    /// Writes all of `buffer` to `descriptor`; false when a write fails.
    static func writeAll(_ buffer: ByteBuffer, to descriptor: Int32) -> Bool {
        let bytes = Array(buffer.readableBytesView)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return false }
            written += count
        }
        return true
    }

    /// Runs a shell script with `$0` the built pgw and `$1`… the given arguments.
    static func shell(_ shell: String, _ script: String, _ arguments: [String]) async throws -> ProcessOutcome {
        let program = try PostgresInstallation.executableOnPath(shell)
        return try await SubprocessCommand(program, ["-c", script, try PGWExecutable.url().path] + arguments).run()
    }

    @Test("the same output from files, a pipe, /dev/stdin and process substitution")
    func readsPipesAndProcessSubstitution() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (frontend, backend) = try Self.write(SyntheticSessions.all[1], into: directory)
        let files = try await PGWExecutable.run(["decode", "--frontend", frontend, "--backend", backend])
        #expect(files.succeeded, "\(files)")
        #expect(files.standardOutput.contains("F StartupMessage"), "\(files)")
        for (shell, script) in [
            ("sh", #"cat "$1" | "$0" decode --frontend - --backend "$2""#),
            ("sh", #"cat "$2" | "$0" decode --frontend "$1" --backend /dev/stdin"#),
            ("bash", #""$0" decode --frontend <(cat "$1") --backend <(cat "$2")"#),
        ] {
            let outcome = try await Self.shell(shell, script, [frontend, backend])
            #expect(outcome.succeeded, "\(outcome)")
            #expect(outcome.standardOutput == files.standardOutput, "\(script)")
        }
    }

    @Test("a 64 MiB stream through a FIFO decodes in bounded memory")
    func streamsAFIFOInBoundedMemory() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = try Self.makeFIFO(in: directory)
        let pgw = try PGWExecutable.url()
        let copyDataCount = 64
        let process = try SpawnedProcess(pgw, ["decode", "--frontend", fifo, "--summary"])
        // A startup packet, a COPY and 64 CopyData messages of 1 MiB, written while pgw reads; its peak memory
        // is read before the FIFO closes, while it still runs.
        let peak = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    returning: Self.writeCopyStream(to: fifo, copyDataCount: copyDataCount, then: process))
            }
        }
        let (status, output) = await process.exit()
        #expect(status == 0, "\(output)")
        #expect(output.contains("CopyData"), "\(output)")
        #expect(output.contains("\(copyDataCount)"), "\(output)")
        // Holding the input would take 64 MiB on its own; streaming needs a few chunks and one message.
        let bytes = try #require(peak, "pgw's VmHWM in /proc")
        #expect(bytes < 40 << 20, "peak RSS \(bytes >> 20) MiB")
    }

    /// Writes a startup packet, a COPY, `copyDataCount` CopyData messages of 1 MiB, CopyDone and Terminate into
    /// `fifo`, then reads `process`'s peak memory before closing it.
    private static func writeCopyStream(to fifo: String, copyDataCount: Int, then process: SpawnedProcess) -> Int? {
        let descriptor = open(fifo, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var head = encoded(SyntheticSessions.startup)
        head.writeImmutableBuffer(encoded(.query(Query("copy t from stdin"))))
        var copyData = ByteBuffer(bytes: [UInt8(ascii: "d")])
        copyData.writeInteger(Int32(4 + (1 << 20)))
        copyData.writeRepeatingByte(0x41, count: 1 << 20)
        var tail = encoded(FrontendMessage.copyDone)
        tail.writeImmutableBuffer(encoded(.terminate))
        for piece in [head] + Array(repeating: copyData, count: copyDataCount) + [tail] {
            guard writeAll(piece, to: descriptor) else { return nil }
        }
        return process.peakResidentBytes()
    }

    @Test("messages are printed while a live FIFO waits for more, not only at its end")
    func printsBeforeTheStreamEnds() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = try Self.makeFIFO(in: directory)
        let process = try SpawnedProcess(try PGWExecutable.url(), ["decode", "--frontend", fifo])
        let descriptor = open(fifo, O_WRONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        #expect(Self.writeAll(encoded(SyntheticSessions.startup), to: descriptor))
        var shown = false
        // Up to 20 s: a saturated CI machine can take seconds to start the process (an idle one, milliseconds).
        for _ in 0..<400 where !shown {
            try await Task.sleep(for: .milliseconds(50))
            shown = process.standardOutputSoFar().contains("F StartupMessage")
        }
        #expect(shown, "nothing printed while the FIFO stayed open: \(process.standardOutputSoFar())")
        #expect(Self.writeAll(encoded(FrontendMessage.terminate), to: descriptor))
        close(descriptor)
        let (status, output) = await process.exit()
        #expect(status == 0 && output.hasSuffix("F Terminate\n"), "\(output)")
    }

    @Test("standard input and output left non-blocking by the caller are waited on, not errors")
    func waitsOnNonBlockingStandardStreams() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let frontend = directory.appending(path: "frontend.bin")
        try Data(Self.manyQueries(5_000).readableBytesView).write(to: frontend)
        let expected = try await PGWExecutable.run(["decode", "--frontend", frontend.path])
        // pgw reads a non-blocking pipe that fills slowly and writes a non-blocking pipe that drains slowly.
        let script = """
            import os, subprocess, sys, time
            pgw, path = sys.argv[1], sys.argv[2]
            data = open(path, "rb").read()
            in_read, in_write = os.pipe()
            out_read, out_write = os.pipe()
            os.set_blocking(in_read, False)
            os.set_blocking(out_write, False)
            child = subprocess.Popen([pgw, "decode", "--frontend", "-"], stdin=in_read, stdout=out_write)
            os.close(in_read)
            os.close(out_write)
            os.write(in_write, data[:100])
            time.sleep(0.2)
            os.set_blocking(in_write, False)
            os.set_blocking(out_read, False)
            output = b""
            written = 100
            while True:
                progressed = False
                if written < len(data):
                    try:
                        written += os.write(in_write, data[written:written + 4096])
                        progressed = True
                    except BlockingIOError:
                        pass
                    if written == len(data):
                        os.close(in_write)
                try:
                    chunk = os.read(out_read, 4096)
                    if not chunk:
                        break
                    output += chunk
                    progressed = True
                except BlockingIOError:
                    pass
                if not progressed:
                    time.sleep(0.001)
            sys.stdout.buffer.write(output)
            sys.exit(child.wait())
            """
        let outcome = try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("python3"),
            ["-c", script, try PGWExecutable.url().path, frontend.path]
        ).run()
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.standardOutput == expected.standardOutput)
    }

    @Test("a full disk on standard output exits 1 with the reason")
    func reportsAFullDisk() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (frontend, backend) = try Self.write(SyntheticSessions.all[0], into: directory)
        let outcome = try await Self.shell(
            "sh", #"exec "$0" decode --frontend "$1" --backend "$2" > /dev/full"#, [frontend, backend])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.standardError.contains("cannot write to standard output: No space left on device"))
    }

    @Test("a reader that goes away exits 1 with 'Broken pipe', not by SIGPIPE")
    func reportsAClosedPipe() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let frontend = directory.appending(path: "frontend.bin")
        try Data(Self.manyQueries(20_000).readableBytesView).write(to: frontend)
        let outcome = try await Self.shell(
            "sh", #"("$0" decode --frontend "$1"; echo "status $?" >&2) | head -c 1 > /dev/null"#, [frontend.path])
        #expect(outcome.standardError.contains("cannot write to standard output: Broken pipe"), "\(outcome)")
        #expect(outcome.standardError.contains("status 1"), "\(outcome)")
    }

    @Test("a directory, on a path or on standard input, exits 1 with the system's reason and a hint")
    func reportsADirectory() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try await PGWExecutable.run(["decode", "--frontend", directory.path])
        #expect(path.status == 1, "\(path)")
        #expect(path.standardError.contains("pgw: cannot read '\(directory.path)': Is a directory"), "\(path)")
        #expect(path.standardError.contains("hint:"), "\(path)")
        let standardInput = try await Self.shell("sh", #"exec "$0" decode --backend - < "$1""#, [directory.path])
        #expect(standardInput.status == 1, "\(standardInput)")
        #expect(standardInput.standardError.contains("cannot read standard input: Is a directory"), "\(standardInput)")
        let missing = try await PGWExecutable.run(["decode", "--frontend", directory.appending(path: "nope").path])
        #expect(missing.status == 1 && missing.standardError.contains("No such file or directory"), "\(missing)")
    }

    @Test("--summary of raw streams has the statements and errors lines a capture's connection has")
    func summaryOfStreamsCountsStatementsAndErrors() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let failing = BackendMessage.errorResponse(
            DiagnosticMessage(severity: "ERROR", sqlState: "22012", message: "division by zero"))
        let session = SyntheticSessions.Session(
            name: "an error and a statement",
            frontend: [SyntheticSessions.startup, .query(Query("select 1/0")), .query(Query("select 1"))],
            backend: SyntheticSessions.serverReady + [
                failing, .readyForQuery(.idle), .commandComplete(CommandComplete(tag: "SELECT 1")),
                .readyForQuery(.idle),
            ])
        let (frontend, backend) = try Self.write(session, into: directory)
        let text = try await PGWExecutable.run(["decode", "--frontend", frontend, "--backend", backend, "--summary"])
        #expect(text.succeeded, "\(text)")
        #expect(text.standardOutput.hasSuffix("statements: 2\nerrors: 22012 × 1\n"), "\(text)")
        let json = try await PGWExecutable.run(
            ["decode", "--frontend", frontend, "--backend", backend, "--summary", "--format", "json"])
        let lines = json.standardOutput.split(separator: "\n")
        #expect(lines.contains(#"{"schema":1,"statements":2}"#), "\(json)")
        #expect(lines.contains(#"{"schema":1,"sqlState":"22012","errors":1}"#), "\(json)")
    }

    @Test("an unknown option is named, not hidden behind 'Give --frontend, --backend or both'")
    func namesAnUnknownOption() async throws {
        let outcome = try await PGWExecutable.run(["decode", "-f", "x"])
        #expect(outcome.status == 64, "\(outcome)")
        #expect(outcome.standardError.contains("Unknown option '-f'"), "\(outcome)")
        // Alone, too (the parser took it for a missing capture).
        let alone = try await PGWExecutable.run(["decode", "--bogus"])
        #expect(alone.status == 64 && alone.standardError.contains("Unknown option '--bogus'"), "\(alone)")
        let none = try await PGWExecutable.run(["decode"])
        #expect(
            none.status == 64 && none.standardError.contains("Give a capture file, or --frontend, --backend or both")
                && none.standardError.contains("Usage: pgw decode"),
            "\(none)")
    }

    @Test("a misspelt --only/--skip type is a usage error, in decode and proxy alike", arguments: ["decode", "proxy"])
    func refusesUnknownMessageTypes(subcommand: String) async throws {
        let outcome = try await PGWExecutable.run([subcommand, "--only", "Query, Qurey", "--skip", "datarow"])
        #expect(outcome.status == 64, "\(outcome)")
        #expect(outcome.standardError.contains("no message type is called 'Qurey';"), "as spelled: \(outcome)")
    }

    @Test("swapped streams get a hint", arguments: ["--frontend", "--backend", "both"])
    func hintsAtSwappedStreams(given: String) async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (frontend, backend) = try Self.write(SyntheticSessions.all[0], into: directory)
        let arguments =
            switch given {
            case "--frontend": ["--frontend", backend]
            case "--backend": ["--backend", frontend]
            default: ["--frontend", backend, "--backend", frontend]
            }
        let outcome = try await PGWExecutable.run(["decode"] + arguments)
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.standardError.contains("did you swap --frontend/--backend?"), "\(outcome)")
        let right = try await PGWExecutable.run(["decode", "--frontend", frontend, "--backend", backend])
        #expect(right.succeeded && !right.standardError.contains("swap"), "\(right)")
    }
}
