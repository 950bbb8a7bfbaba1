import Foundation
import NIOCore
import NIOEmbedded
import NIOPosix
import PostgresClient
import PostgresTestSupport
import PostgresWire
import Testing

@testable import PostgresProxy

/// The proxy's pure parts, without sockets: upstream parsing, filters, timestamps, the tap and the log sink.
struct ProxyLogicTests {
    @Test(arguments: [
        ("127.0.0.1:5432", "127.0.0.1", 5432), ("[::1]:6543", "::1", 6543), ("db.example:5433", "db.example", 5433),
        ("host=db port=5433", "db", 5433), ("postgresql://db:5434/app", "db", 5434),
        ("host=db hostaddr=10.0.0.1", "10.0.0.1", 7777), ("dbname=app", "pghost", 7777),
    ])
    func upstreamParsesAddressesAndConnectionStrings(text: String, host: String, port: Int) throws {
        let upstream = try UpstreamServer(parsing: text, environment: ["PGHOST": "pghost", "PGPORT": "7777"])
        #expect(upstream.host == host)
        #expect(upstream.port == port)
    }

    @Test func upstreamRejectsUnixSocketsAndBadStrings() {
        let socket = #expect(throws: ConnectionOptionError.self) {
            try UpstreamServer(parsing: "host=/var/run/postgresql", environment: [:])
        }
        #expect(socket?.message.contains("names no TCP host") == true, "\(String(describing: socket))")
        let unknown = #expect(throws: ConnectionOptionError.self) {
            try UpstreamServer(parsing: "nonsense=1", environment: [:])
        }
        #expect(unknown?.message == "invalid connection option \"nonsense\"")
        let range = #expect(throws: ConnectionOptionError.self) {
            try UpstreamServer(parsing: "127.0.0.1:99999", environment: [:])
        }
        #expect(range?.message == "invalid port number: \"99999\" (give a port from 1 to 65535)")
        let none = #expect(throws: ConnectionOptionError.self) {
            try UpstreamServer(parsing: "", environment: ["PGPORT": "5433"])
        }
        #expect(
            none?.message
                == "no upstream server: give --upstream HOST:PORT or a connection string, or set PGHOST (without a "
                + "host, libpq connects to the Unix socket /var/run/postgresql/.s.PGSQL.5433, and pgw proxy connects "
                + "over TCP)")
        #expect(UpstreamServer(host: "::1", port: 5).description == "[::1]:5")
    }

    /// A host alone gets libpq's default port (PGPORT, else 5432), and every form takes the PG* variables:
    /// PGSSLMODE=require makes a HOST:PORT upstream's leg TLS as it does a conninfo one's.
    @Test func upstreamOfEveryFormTakesTheEnvironment() throws {
        #expect(try UpstreamServer(parsing: "127.0.0.1", environment: [:]).port == 5432)
        #expect(try UpstreamServer(parsing: "db", environment: ["PGPORT": "6000"]).port == 6000)
        #expect(try UpstreamServer(parsing: "[::1]", environment: [:]).host == "::1")
        let environment = ["PGSSLMODE": "require"]
        for text in ["127.0.0.1:5432", "127.0.0.1", "host=127.0.0.1", "postgresql://127.0.0.1:5432/app", ""] {
            let upstream = try UpstreamServer(
                parsing: text, environment: environment.merging(["PGHOST": "h"]) { a, _ in a })
            #expect(upstream.requiresTLS, "\(text)")
        }
        #expect(try !UpstreamServer(parsing: "127.0.0.1:5432", environment: [:]).requiresTLS)
    }

    /// Errors that repeat the upstream mask its passwords (conninfo, URI user info and query).
    @Test(arguments: [
        "port=5432 password=topsecret", "host=/tmp password='top secret'", "postgresql://alice:topsecret@/db",
        "postgresql://alice:topsecret@db:99999/app", "postgresql:///db?password=topsecret&host=/tmp",
        "host=x port=99999 sslpassword=topsecret",
    ])
    func upstreamErrorsMaskPasswords(text: String) {
        let error = #expect(throws: ConnectionOptionError.self) {
            try UpstreamServer(parsing: text, environment: [:])
        }
        #expect(error?.message.contains("topsecret") == false, "\(String(describing: error))")
        #expect(error?.message.contains("top secret") == false, "\(String(describing: error))")
    }

    @Test func filterAdmitsByNameWithoutRegardToCase() {
        let only = MessageTypeFilter(only: ["query", "DataRow"])
        #expect(only.admits("Query") && only.admits("DataRow") && !only.admits("Parse"))
        let skip = MessageTypeFilter(skip: ["ParameterStatus"])
        #expect(skip.admits("Query") && !skip.admits("parameterstatus"))
    }

    @Test func timestampsAreUTCWithMicroseconds() {
        let time = LogTimestamp(seconds: 1_764_563_400, microseconds: 42)
        #expect(time.rfc3339 == "2025-12-01T04:30:00.000042Z")
        #expect(time.clockText == "04:30:00.000042")
    }

    /// The tap renders a JSON line's connection and time from bytes it keeps: the same members as rendered whole,
    /// within a second and across one.
    @Test func tapJSONMembersMatchTheRenderedOnes() async throws {
        let file = FileManager.default.temporaryDirectory.appending(path: "pgw-tap-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: file) }
        let sink = try TrafficLogSink.file(atPath: file.path)
        let tap = ConnectionTap(
            number: 7, configuration: ProxyConfiguration(upstream: UpstreamServer(host: "h", port: 1)), sink: sink)
        for (seconds, microseconds) in [(1_764_563_400, 42), (1_764_563_400, 999_999), (1_764_563_401, 100_000)] {
            let time = LogTimestamp(seconds: seconds, microseconds: microseconds)
            var members: [UInt8] = []
            tap.appendJSONLineMembers(at: time, to: &members)
            #expect(
                JSONLineMembers(renderedJSON: members)
                    == JSONLineMembers([("connection", .integer(7)), ("time", .string(time.rfc3339))]))
        }
        await sink.close()
    }

    /// With `--format none` the tap only frames most messages, yet it gets what the relay needs as a decoding tap
    /// does: the summary's counts, the cancel key, the cleartext password warning, Terminate and a last error.
    @Test(arguments: [TrafficLogFormat.none, .text])
    func tapThatOnlyCountsKeepsTheRelaysFacts(format: TrafficLogFormat) async throws {
        var facts: (key: BackendKeyData?, terminated: Bool, errorLast: Bool) = (nil, false, false)
        let (lines, _) = try await Self.tapLines(format: format) { tap in
            Self.startCleartextLogin(tap)
            var frontend = ByteBuffer()
            FrontendMessage.password(PasswordMessage(password: "secret")).encode(into: &frontend)
            FrontendMessage.query(Query("select 1")).encode(into: &frontend)
            FrontendMessage.query(Query("select 1/0")).encode(into: &frontend)
            FrontendMessage.terminate.encode(into: &frontend)
            tap.see(frontend, from: .frontend)
            var backend = ByteBuffer()
            let messages: [BackendMessage] = [
                .authentication(.ok), .backendKeyData(BackendKeyData(processID: 7, secretKey: [1, 2, 3, 4])),
                .readyForQuery(.idle), .dataRow(DataRow(columns: [ByteBuffer(string: "1")])),
                .commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.idle),
                .errorResponse(DiagnosticMessage(severity: "ERROR", sqlState: "22012", message: "division by zero")),
            ]
            for message in messages { message.encode(into: &backend) }
            // The last message split, as a slow network would deliver it.
            tap.see(backend.readSlice(length: backend.readableBytes - 3)!, from: .backend)
            tap.see(backend, from: .backend)
            facts = (tap.backendKey, tap.clientTerminated, tap.serverSentErrorLast)
            tap.close(reason: "test over")
        }
        #expect(facts.key == BackendKeyData(processID: 7, secretKey: [1, 2, 3, 4]))
        #expect(facts.terminated && facts.errorLast)
        #expect(
            lines.contains {
                $0.hasSuffix(" #7 -- warning: the server asks for a cleartext password over a plaintext client leg")
            })
        let summary = try #require(lines.last)
        #expect(summary.contains("F 5 messages "), "\(summary)")
        #expect(summary.contains(" bytes, B 8 messages "), "\(summary)")
        #expect(summary.hasSuffix(" bytes, 1 error"), "\(summary)")
    }

    /// A ReadyForQuery's line shows the latency of the statement it ends, as `pgw decode` shows it: `  (N.NNN ms)`
    /// in text, `"latencyMicroseconds"` in JSON (whose lines are otherwise written straight from the bytes); the
    /// startup's ReadyForQuery and a lone Sync's have none.
    @Test(arguments: [TrafficLogFormat.text, .json])
    func readyForQueryShowsTheStatementsLatency(format: TrafficLogFormat) async throws {
        let (lines, _) = try await Self.tapLines(format: format) { tap in
            var bytes = ByteBuffer()
            FrontendMessage.startup(StartupMessage(protocolVersion: .v3_0, parameters: [.init("user", "u")]))
                .encode(into: &bytes)
            tap.see(bytes, from: .frontend)
            bytes.clear()
            BackendMessage.authentication(.ok).encode(into: &bytes)
            BackendMessage.readyForQuery(.idle).encode(into: &bytes)
            tap.see(bytes, from: .backend)
            bytes.clear()
            let frontend: [FrontendMessage] = [
                .query(Query("select 1")), .sync,
                .parse(Parse(name: "", query: "select 2", parameterTypes: [])),
                .bind(Bind(portal: "", statement: "", parameterFormats: [], parameters: [], resultFormats: [])),
                .execute(Execute(portal: "", maxRows: 0)), .sync,
            ]
            for message in frontend { message.encode(into: &bytes) }
            tap.see(bytes, from: .frontend)
            bytes.clear()
            let backend: [BackendMessage] = [
                .commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.idle), .readyForQuery(.idle),
                .parseComplete, .bindComplete, .commandComplete(CommandComplete(tag: "SELECT 1")),
                .readyForQuery(.idle),
            ]
            for message in backend { message.encode(into: &bytes) }
            tap.see(bytes, from: .backend)
            tap.close(reason: "test over")
        }
        let readyLines = lines.filter { $0.contains("ReadyForQuery") }
        #expect(readyLines.count == 4, "\(lines)")
        let timed = readyLines.map {
            format == .text
                ? $0.wholeMatch(of: /.* B ReadyForQuery I \(idle\)  \(\d+\.\d{3} ms\)/) != nil
                : $0.contains(#""latencyMicroseconds":"#)
        }
        #expect(timed == [false, true, false, true], "\(readyLines)")
        if format == .json {
            let problems = try await JSONLinesSchemaValidator.problems(in: lines)
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    /// Binary Bind parameters and DataRow columns show their values by the types that Parse, ParameterDescription
    /// and RowDescription declared, in text and JSON (whose DataRows are written from their bytes), as
    /// `pgw decode` shows the same messages.
    @Test(arguments: [TrafficLogFormat.text, .json])
    func binaryValuesAreTypedAsDecodeTypesThem(format: TrafficLogFormat) async throws {
        let frontend: [[FrontendMessage]] = [
            [.startup(StartupMessage(protocolVersion: .v3_0, parameters: [.init("user", "u")]))],
            [
                .parse(Parse(name: "s1", query: "select $1::int2, 7::int8", parameterTypes: [0])),
                .describe(.statement("s1")), .sync,
            ],
            [
                .bind(
                    Bind(
                        statement: "s1", parameterFormats: [.binary], parameters: [ByteBuffer(bytes: [0, 1])],
                        resultFormats: [.binary])), .execute(Execute()), .sync,
            ],
        ]
        let backend: [[BackendMessage]] = [
            [.authentication(.ok), .readyForQuery(.idle)],
            [
                .parseComplete, .parameterDescription(ParameterDescription(parameterTypes: [21])),
                .rowDescription(
                    RowDescription(columns: [.init(name: "a", dataTypeOID: 21), .init(name: "b", dataTypeOID: 20)])),
                .readyForQuery(.idle),
            ],
            [
                .bindComplete,
                .dataRow(DataRow(columns: [ByteBuffer(bytes: [0, 1]), ByteBuffer(bytes: [0, 0, 0, 0, 0, 0, 0, 7])])),
                .commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.idle),
            ],
        ]
        var decoder = SessionDecoder()
        var decoded: [String] = []
        let (lines, _) = try await Self.tapLines(format: format) { tap in
            for (client, server) in zip(frontend, backend) {
                for (direction, bytes) in [
                    (MessageDirection.frontend, Self.encoded(client.map(WireMessage.frontend))),
                    (.backend, Self.encoded(server.map(WireMessage.backend))),
                ] {
                    tap.see(bytes, from: direction)
                    decoder.append(bytes, from: direction)
                    while case .message(let message) = decoder.nextEvent() {
                        decoded.append(message.formatted(as: format == .json ? .json : .text))
                    }
                }
            }
        }
        let bind = try #require(lines.first { $0.contains("Bind") })
        let row = try #require(lines.first { $0.contains("DataRow") })
        if format == .text {
            #expect(bind.hasSuffix(#"parameters=[1] formats=["binary"] results=["binary"]"#), "\(bind)")
            #expect(row.hasSuffix("B DataRow [1, 7]"), "\(row)")
        } else {
            #expect(bind.contains(#""parameters":[{"hex":"0001","type":"int2","value":1}]"#), "\(bind)")
            #expect(
                row.contains(
                    #""columns":[{"hex":"0001","type":"int2","value":1},{"hex":"0000000000000007","type":"int8","value":7}]"#
                ), "\(row)")
        }
        // Each line is `pgw decode`'s for the same message, with the proxy's time and connection.
        let messageLines = lines.filter { !$0.contains(#""event":"#) && !$0.contains(" -- ") }
        #expect(messageLines.count == decoded.count, "\(lines)")
        for (line, expected) in zip(messageLines, decoded) {
            let bare =
                format == .json
                ? line.replacing(/,"connection":7,"time":"[^"]*"/, with: "").replacing(
                    /,"latencyMicroseconds":\d+/, with: "")
                : String(line.split(separator: " ", maxSplits: 2)[2]).replacing(/\ \ \(\d+\.\d{3} ms\)$/, with: "")
            #expect(bare == expected)
        }
    }

    @Test func tapLogsUndecodableMessagesAsUnknownAndGoesOn() async throws {
        let (lines, _) = try await Self.tapLines { tap in
            var bytes = ByteBuffer()
            FrontendMessage.startup(StartupMessage(protocolVersion: .v3_0, parameters: [.init("user", "u")]))
                .encode(into: &bytes)
            bytes.writeBytes([UInt8(ascii: "z"), 0, 0, 0, 6, 0xAB, 0xCD])  // no such frontend type
            FrontendMessage.query(Query("select 1")).encode(into: &bytes)
            // Delivered in pieces of 3 bytes, as a slow network would.
            while bytes.readableBytes > 0 {
                tap.see(bytes.readSlice(length: min(3, bytes.readableBytes))!, from: .frontend)
            }
            var junk = ByteBuffer()
            junk.writeBytes([UInt8(ascii: "Z"), 0xFF, 0xFF, 0xFF, 0xFF, 1, 2])  // a negative length: framing lost
            tap.see(junk, from: .backend)
            tap.close(reason: "test over")
        }
        #expect(lines.count == 5, "\(lines)")
        #expect(lines[0].hasSuffix("#7 F StartupMessage 3.0 user=\"u\""))
        // `length=` is the length word, as the text form's `length=` sets it; the line pasted sends the bytes again.
        #expect(lines[1].contains("#7 F Unknown length=6 (") && lines[1].hasSuffix(" 7a00000006abcd"), "\(lines[1])")
        let pasted = try TextFormParser(direction: .frontend).parse(lines[1])
        #expect(Array(pasted.bytes.readableBytesView) == [UInt8(ascii: "z"), 0, 0, 0, 6, 0xAB, 0xCD])
        #expect(lines[2].hasSuffix("#7 F Query \"select 1\""))
        #expect(lines[3].contains("#7 B Unknown length=-1") && lines[3].contains("decoding stops here"), "\(lines[3])")
        #expect(lines[4].contains("closed after") && lines[4].contains("test over") && lines[4].contains("2 errors"))
    }

    /// pgw repl's `Query "select 2" length=4`: the Query's text is read as the next message, `s` and the length
    /// word "elec" (1,701,602,659). That is lost framing (no frontend message has type `s`), not a huge message to
    /// relay undecoded; decoding of that side stops, and the relay goes on.
    @Test func aLostFrameIsLoggedAsLostFramingNotAsAHugeMessage() async throws {
        let (lines, _) = try await Self.tapLines { tap in
            var bytes = ByteBuffer()
            FrontendMessage.startup(StartupMessage(protocolVersion: .v3_0, parameters: [.init("user", "u")]))
                .encode(into: &bytes)
            bytes.writeBytes([UInt8(ascii: "Q"), 0, 0, 0, 4] + Array("select 2".utf8) + [0])
            tap.see(bytes, from: .frontend)
            tap.see(ByteBuffer(bytes: [UInt8(ascii: "R"), 0, 0, 0, 8, 0, 0, 0, 0]), from: .backend)
            // A ParameterStatus 268 MB long: past what libpq reads of one.
            tap.see(ByteBuffer(bytes: [UInt8(ascii: "S"), 0x10, 0, 0, 0, 1, 2]), from: .backend)
            tap.close(reason: "test over")
        }
        let lost = try #require(lines.first { $0.contains("#7 F Unknown length=1701602659") }, "\(lines)")
        #expect(lost.contains("(lost framing: 's' is no frontend message type; decoding stops here)"), "\(lost)")
        #expect(!lines.contains { $0.contains("MiB the log decodes") }, "\(lines)")
        let server = try #require(lines.first { $0.contains("#7 B Unknown") }, "\(lines)")
        #expect(
            server.contains(
                "length=268435456 (lost framing: a ParameterStatus ('S') of length word 268435456 is past the 30000 "
                    + "bytes that libpq reads; decoding stops here)"), "\(server)")
    }

    /// A Query sent right behind the StartupMessage: the login's ReadyForQuery shows no latency; the Query's does.
    @Test func aQueryPipelinedBehindTheStartupIsTimedToItsOwnReadyForQuery() async throws {
        let (lines, _) = try await Self.tapLines { tap in
            var bytes = ByteBuffer()
            FrontendMessage.startup(StartupMessage(protocolVersion: .v3_0, parameters: [.init("user", "u")]))
                .encode(into: &bytes)
            FrontendMessage.query(Query("select 42")).encode(into: &bytes)
            tap.see(bytes, from: .frontend)
            var login = ByteBuffer()
            for message: BackendMessage in [.authentication(.ok), .readyForQuery(.idle)] {
                message.encode(into: &login)
            }
            tap.see(login, from: .backend)
            var answer = ByteBuffer()
            for message: BackendMessage in [.commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.idle)] {
                message.encode(into: &answer)
            }
            tap.see(answer, from: .backend)
            tap.close(reason: "test over")
        }
        let ready = lines.filter { $0.contains("ReadyForQuery") }
        #expect(ready.count == 2, "\(lines)")
        #expect(ready.first?.hasSuffix("B ReadyForQuery I (idle)") == true, "\(ready)")
        #expect(ready.last?.contains(/B ReadyForQuery I \(idle\)  \(\d+\.\d{3} ms\)$/) == true, "\(ready)")
    }

    @Test func cleartextPasswordRequestOverPlaintextIsAWarning() async throws {
        for isTLS in [false, true] {
            let (lines, _) = try await Self.tapLines { tap in
                tap.clientLegIsTLS = isTLS
                Self.startCleartextLogin(tap)
            }
            let warnings = lines.filter { $0.contains("warning: the server asks for a cleartext password") }
            #expect(warnings.count == (isTLS ? 0 : 1), "\(lines)")
        }
    }

    /// In the authenticating mode the password request is the proxy's own, and the warning says so.
    @Test func cleartextPasswordRequestOfTheProxyNamesTheProxy() async throws {
        let (lines, _) = try await Self.tapLines { tap in
            tap.proxyAsksForPassword = true
            Self.startCleartextLogin(tap)
        }
        #expect(
            lines.filter {
                $0.contains(" -- warning: pgw proxy asks for a cleartext password over a plaintext client leg")
            }
            .count == 1, "\(lines)")
        #expect(!lines.contains { $0.contains("the server asks") }, "\(lines)")
    }

    /// The FATAL a connection was refused with before a session (read by the gateway, not the tap) is logged as the
    /// server's ErrorResponse and counted in the summary's errors.
    @Test func refusalIsLoggedAndCounted() async throws {
        let (lines, _) = try await Self.tapLines { tap in
            tap.seeRefusal(
                DiagnosticMessage(severity: "FATAL", sqlState: "53300", message: "sorry, too many clients already"))
            tap.close(reason: "refused")
        }
        #expect(lines.first?.contains("#7 B ErrorResponse FATAL 53300") == true, "\(lines)")
        #expect(lines.last?.contains(/F 0 messages 0 bytes, B 1 message \d+ bytes, 1 error$/) == true, "\(lines)")
    }

    @Test func jsonLinesCarryConnectionAndTime() async throws {
        let (lines, _) = try await Self.tapLines(format: .json) { tap in
            var bytes = ByteBuffer()
            FrontendMessage.startup(StartupMessage(protocolVersion: .v3_0, parameters: [.init("user", "u")]))
                .encode(into: &bytes)
            tap.see(bytes, from: .frontend)
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(lines[0].hasPrefix("{\"schema\":1,"))
        #expect(object["connection"] as? Int == 7)
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
        #expect(object["type"] as? String == "StartupMessage")
    }

    /// The `closed` event's numbers are JSON numbers: `durationSeconds` too, not a string.
    @Test func closedEventHasItsDurationAsANumber() async throws {
        let (lines, _) = try await Self.tapLines(format: .json) { tap in tap.close(reason: "test over") }
        let line = try #require(lines.last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["event"] as? String == "closed" && object["reason"] as? String == "test over", "\(line)")
        #expect(line.wholeMatch(of: /.*"durationSeconds":\d+(\.\d{1,3})?,"frontendMessages":0,.*/) != nil, "\(line)")
        #expect(object["durationSeconds"] is NSNumber, "\(line)")
    }

    /// A slow reader: the sink reports it is behind once its buffer is full and calls back when drained.
    @Test func sinkIsBehindWhileTheReaderLagsAndCallsBackWhenDrained() async throws {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        let sink = TrafficLogSink(fileDescriptor: descriptors[1], closesDescriptor: true, capacity: 4_096)
        let line = String(repeating: "x", count: 1_000)
        for _ in 0..<200 { sink.write(line) }  // 200 kB against a 64 kB pipe: the writer blocks
        try await Task.sleep(for: .milliseconds(100))
        #expect(sink.isBehind)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let caughtUp = eventLoop.makePromise(of: Void.self)
        sink.whenCaughtUp(on: eventLoop) { caughtUp.succeed() }
        let readEnd = descriptors[0]
        let drained = Task.detached { () -> Int in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var total = 0
            while total < 200 * 1_001 {
                let count = read(readEnd, &buffer, buffer.count)
                if count <= 0 { break }
                total += count
            }
            return total
        }
        try await caughtUp.futureResult.get()
        #expect(await sink.close() == nil)
        #expect(await drained.value == 200 * 1_001)
        close(readEnd)
    }

    /// The writer gathers lines into batches, but a lone line does not wait for a batch to fill: it reaches the
    /// file within the batch delay (5 ms), while the sink stays open.
    @Test func aLoneLineIsWrittenWithoutWaitingForMore() async throws {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        let sink = TrafficLogSink(fileDescriptor: descriptors[1], closesDescriptor: true)
        let readEnd = descriptors[0]
        sink.write("one line")
        var readable = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        #expect(poll(&readable, 1, 10_000) == 1, "the line must be written while the sink stays open")  // 10 s: load
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(readEnd, &buffer, buffer.count)
        #expect(String(decoding: buffer[0..<max(count, 0)], as: UTF8.self) == "one line\n")
        #expect(await sink.close() == nil)
        close(readEnd)
    }

    @Test(arguments: [true, false])
    func coloursMarkDirectionTypeAndErrorsOnlyWhenAsked(colors: Bool) async throws {
        let (lines, _) = try await Self.tapLines(colors: colors) { tap in
            var frontend = ByteBuffer()
            FrontendMessage.startup(StartupMessage(protocolVersion: .v3_0, parameters: [.init("user", "u")]))
                .encode(into: &frontend)
            FrontendMessage.query(Query("select 1/0")).encode(into: &frontend)
            tap.see(frontend, from: .frontend)
            var backend = ByteBuffer()
            BackendMessage.authentication(.ok).encode(into: &backend)
            BackendMessage.errorResponse(
                DiagnosticMessage(severity: "ERROR", sqlState: "22012", message: "division by zero")
            ).encode(into: &backend)
            tap.see(backend, from: .backend)
            tap.close(reason: "done")
        }
        let query = try #require(lines.first { $0.contains("Query") })
        let error = try #require(lines.first { $0.contains("ErrorResponse") })
        let closed = try #require(lines.last)
        if colors {
            #expect(query.contains("\u{1B}[36mF \u{1B}[1mQuery\u{1B}[0m \"select 1/0\""), "\(query)")
            #expect(error.contains("\u{1B}[31mB ErrorResponse ERROR 22012 division by zero\u{1B}[0m"), "\(error)")
            #expect(closed.contains("\u{1B}[1mclosed after"), "\(closed)")
        } else {
            #expect(!lines.joined().contains("\u{1B}"), "\(lines)")
        }
    }

    @Test func colourModeFollowsTheTerminalTERMAndNO_COLOR() {
        let terminal = ["TERM": "xterm-256color"]
        #expect(TrafficLogColorMode.auto.colors(isTerminal: true, environment: terminal))
        #expect(!TrafficLogColorMode.auto.colors(isTerminal: false, environment: terminal))
        #expect(!TrafficLogColorMode.auto.colors(isTerminal: true, environment: ["TERM": "dumb"]))
        #expect(!TrafficLogColorMode.auto.colors(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": "1"]))
        #expect(TrafficLogColorMode.auto.colors(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": ""]))
        #expect(TrafficLogColorMode.always.colors(isTerminal: false, environment: ["NO_COLOR": "1"]))
        #expect(!TrafficLogColorMode.never.colors(isTerminal: true, environment: terminal))
    }

    /// Shows `tap` a StartupMessage and the server's request for a cleartext password.
    /// After the client's Terminate, the server often closes before the client's own close arrives: the session
    /// still ended by the client's Terminate (pgbench -C through the proxy logged some as the server's close).
    @Test func aServerCloseAfterTheClientsTerminateIsTheClientsEnd() async throws {
        let (lines, _) = try await Self.tapLines { tap in
            let loop = EmbeddedEventLoop()
            let client = EmbeddedChannel(loop: loop)
            let server = EmbeddedChannel(loop: loop)
            let (clientHandler, serverHandler) = TappedRelayHandler.matchedPair(
                tap: tap, upstream: UpstreamServer(host: "h", port: 1))
            try? client.pipeline.syncOperations.addHandler(clientHandler)
            try? server.pipeline.syncOperations.addHandler(serverHandler)
            Self.startCleartextLogin(tap)
            var terminate = ByteBuffer()
            FrontendMessage.terminate.encode(into: &terminate)
            _ = try? client.writeInbound(terminate)
            server.pipeline.fireChannelInactive()
        }
        #expect(lines.contains { $0.contains("client terminated the session") }, "\(lines)")
        #expect(!lines.contains { $0.contains("server closed") }, "\(lines)")
    }

    static func startCleartextLogin(_ tap: ConnectionTap) {
        var startup = ByteBuffer()
        FrontendMessage.startup(StartupMessage(protocolVersion: .v3_0, parameters: [.init("user", "u")]))
            .encode(into: &startup)
        tap.see(startup, from: .frontend)
        var request = ByteBuffer()
        BackendMessage.authentication(.cleartextPassword).encode(into: &request)
        tap.see(request, from: .backend)
    }

    /// Runs `body` with a tap (connection 7) logging to a temporary file and returns the file's lines.
    /// The wire bytes of `messages`, one after another.
    static func encoded(_ messages: [WireMessage]) -> ByteBuffer {
        var bytes = ByteBuffer()
        for message in messages { message.encode(into: &bytes) }
        return bytes
    }

    static func tapLines(
        format: TrafficLogFormat = .text, colors: Bool = false, _ body: (ConnectionTap) -> Void
    ) async throws -> ([String], URL) {
        let file = FileManager.default.temporaryDirectory.appending(path: "pgw-tap-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: file) }
        let sink = try TrafficLogSink.file(atPath: file.path)
        let configuration = ProxyConfiguration(
            upstream: UpstreamServer(host: "h", port: 1), format: format, colors: colors)
        body(ConnectionTap(number: 7, configuration: configuration, sink: sink))
        await sink.close()
        let text = try String(contentsOf: file, encoding: .utf8)
        return (text.split(separator: "\n").map(String.init), file)
    }
}
