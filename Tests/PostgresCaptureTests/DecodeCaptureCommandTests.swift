import Foundation
import NIOCore
import PostgresCapture
import PostgresTestSupport
import PostgresWire
import Testing

/// `pgw decode CAPTURE` as a user runs it on synthetic captures: pcapng with two interfaces, connection and type
/// filters, statement latency, the summary, JSON against the schema, non-UTF-8 text and bad arguments.
@Suite("pgw decode reads pcap and pcapng captures")
struct DecodeCaptureCommandTests {
    typealias Scenario = CaptureScenario

    /// A session on `connection`: startup, a query answered after `latency` packets, an error, close.
    static func session(_ connection: inout SyntheticConnection, query: String) -> [TCPSegment] {
        let error = BackendMessage.errorResponse(
            DiagnosticMessage(fields: [.init(.severity, "ERROR"), .init(.sqlState, "22012")]))
        return connection.handshake() + [
            connection.send(Scenario.startup), connection.send(Scenario.ready),
            connection.send(Scenario.query(query)), connection.send(Scenario.result("SELECT 1")),
            connection.send(Scenario.query("select 1/0")),
            connection.send([.backend(error), .backend(.readyForQuery(.idle))]),
        ] + connection.close()
    }

    @Test("pcapng with two interfaces (mergecap): both connections, in time order, with latency")
    func pcapngWithTwoInterfaces() async throws {
        var first = SyntheticConnection.ipv4(clientPort: 41_001)
        var second = SyntheticConnection.ipv6(clientPort: 41_002)
        let ethernet = try Scenario.write(Self.session(&first, query: "select 'first'"))
        let tagged = try Scenario.write(Self.session(&second, query: "select 'second'"), framing: .ethernet(vlan: 9))
        let merged = Scenario.temporaryPath("merged.pcapng")
        defer { for path in [ethernet, tagged, merged] { unlink(path) } }
        let mergecap = try PostgresInstallation.executableOnPath("mergecap")
        let merging = try await SubprocessCommand(mergecap, ["-F", "pcapng", "-w", merged, ethernet, tagged]).run()
        #expect(merging.succeeded, "mergecap (Debian wireshark-common): \(merging.standardError)")

        let outcome = try await PGWExecutable.run(["decode", merged])
        #expect(outcome.succeeded, "\(outcome)")
        let lines = outcome.standardOutput.split(separator: "\n").map { String($0.dropFirst(16)) }
        // Both sessions have the same timestamps: which is #1 depends on how mergecap orders ties.
        let secondID = try #require(
            lines.first { $0.hasSuffix(" -- connection [::1]:41002 -> [2001:db8::5]:5432") }?.dropFirst().prefix(1))
        let firstID = secondID == "1" ? "2" : "1"
        #expect(lines.contains("#\(firstID) F Query \"select 'first'\""), "\(outcome)")
        #expect(lines.contains("#\(secondID) F Query \"select 'second'\""), "\(outcome)")
        #expect(lines.contains("#\(firstID) B ReadyForQuery I (idle)  (1.000 ms)"), "\(outcome)")
        let times = outcome.standardOutput.split(separator: "\n").map { $0.prefix(15) }
        #expect(times == times.sorted(), "lines in time order")

        let onlySecond = try await PGWExecutable.run([
            "decode", merged, "--connection", String(secondID), "--only", "Query",
        ])
        #expect(
            onlySecond.standardOutput.split(separator: "\n").filter { !$0.contains(" -- ") }.map {
                String($0.dropFirst(16))
            }
                == ["#\(secondID) F Query \"select 'second'\"", "#\(secondID) F Query \"select 1/0\""], "\(onlySecond)")
        let missing = try await PGWExecutable.run(["decode", merged, "--connection", "3"])
        #expect(missing.status == 1, "\(missing)")
        #expect(
            missing.standardError.contains("no connection #3 in '\(merged)': its PostgreSQL connections are #1 to #2"))
    }

    /// `--summary`'s slowest statements name a prepared statement executed without a Parse by the text it was
    /// parsed with, and messages a Query follows before any Sync (asyncpg's Parse, Describe, Flush) are no statement:
    /// the next one's latency starts at its own first message.
    @Test("statements: prepared statements' text, an unsynced batch before a Query")
    func preparedStatementsAndUnsyncedBatches() async throws {
        var connection = SyntheticConnection.ipv4(clientPort: 43_001)
        let done: [WireMessage] = [
            .backend(.commandComplete(CommandComplete(tag: "SELECT 1"))), .backend(.readyForQuery(.idle)),
        ]
        let segments =
            connection.handshake() + [
                connection.send(Scenario.startup), connection.send(Scenario.ready),
                connection.send([
                    .frontend(.parse(Parse(name: "p1", query: "select 'prepared'"))), .frontend(.sync),
                ]),
                connection.send([.backend(.parseComplete), .backend(.readyForQuery(.idle))]),
                connection.send([
                    .frontend(.bind(Bind(statement: "p1"))), .frontend(.execute(Execute())), .frontend(.sync),
                ]),
                connection.send([.backend(.bindComplete)] + done),
                connection.send([
                    .frontend(.parse(Parse(query: "select 'introspection'"))),
                    .frontend(.describe(.statement(""))), .frontend(.flush),
                ]),
                connection.send([.backend(.parseComplete), .backend(.noData)]),
                connection.send(Scenario.query("select 'simple'")), connection.send(Scenario.result("SELECT 1")),
                connection.send([
                    .frontend(.parse(Parse(query: "select 'last'"))), .frontend(.bind(Bind())),
                    .frontend(.execute(Execute())), .frontend(.sync),
                ]),
                connection.send([.backend(.parseComplete), .backend(.bindComplete)] + done),
            ] + connection.close()
        let path = try Scenario.write(segments)
        defer { unlink(path) }
        let outcome = try await PGWExecutable.run(["decode", path, "--summary"])
        #expect(outcome.succeeded, "\(outcome)")
        let slow = outcome.standardOutput.split(separator: "\n").filter { $0.hasPrefix("slow: ") }.map {
            $0.split(separator: "  ", maxSplits: 1).last.map(String.init) ?? ""
        }
        // The Parse…Sync round trip executes nothing: three statements, each listed per connection and overall.
        #expect(
            Set(slow) == ["select 'prepared'", "select 'simple'", "select 'last'"] && slow.count == 6,
            "\(outcome.standardOutput)")
        #expect(outcome.standardOutput.contains("statements: 3"), "\(outcome.standardOutput)")
    }

    /// pg8000's `run("select :a::int, :b", a=5, b='x')`: Parse/Sync, Describe/Sync with the Bind sent behind it, then
    /// Execute/Sync, all on the unnamed statement; then a psycopg pipeline of three statements before one Sync.
    static func unnamedStatementsAndAPipeline(_ connection: inout SyntheticConnection) -> [TCPSegment] {
        let text = "select $1::int, $2"
        let ready = WireMessage.backend(.readyForQuery(.idle))
        let done = WireMessage.backend(.commandComplete(CommandComplete(tag: "SELECT 1")))
        var pipeline: [WireMessage] = []
        for letter in ["a", "b", "c"] {
            pipeline += [
                .frontend(.parse(Parse(query: "select '\(letter)'"))), .frontend(.bind(Bind())),
                .frontend(.describe(.portal(""))), .frontend(.execute(Execute())),
            ]
        }
        var answers: [WireMessage] = []
        for _ in 0..<3 { answers += [.backend(.parseComplete), .backend(.bindComplete), .backend(.noData), done] }
        return connection.handshake() + [
            connection.send(Scenario.startup), connection.send(Scenario.ready),
            connection.send([.frontend(.parse(Parse(query: text))), .frontend(.sync)]),
            connection.send([.backend(.parseComplete), ready]),
            connection.send([
                .frontend(.describe(.statement(""))), .frontend(.sync),
                .frontend(.bind(Bind(parameters: [ByteBuffer(string: "5"), ByteBuffer(string: "x")]))),
            ]),
            connection.send([.backend(.parameterDescription(ParameterDescription(parameterTypes: [23, 25]))), ready]),
            connection.send([.frontend(.execute(Execute())), .frontend(.sync)]),
            connection.send([.backend(.bindComplete), .backend(.dataRow(DataRow(columns: []))), done]),
            connection.send([ready]),
            connection.send(pipeline + [.frontend(.sync)]),
            connection.send(answers + [ready]),
        ] + connection.close()
    }

    /// A statement is an Execute (or a Query): pg8000's three round trips on the unnamed statement are one statement,
    /// named by its Parse's text and timed from its Bind to its ReadyForQuery; a pipeline's three are three.
    @Test("statements: the unnamed statement's round trips (pg8000), a pipeline of three (psycopg)")
    func unnamedStatementsAndPipelines() async throws {
        var connection = SyntheticConnection.ipv4(clientPort: 43_002)
        let path = try Scenario.write(Self.unnamedStatementsAndAPipeline(&connection))
        defer { unlink(path) }
        let outcome = try await PGWExecutable.run(["decode", path, "--summary"])
        #expect(outcome.succeeded, "\(outcome)")
        let slow = outcome.standardOutput.split(separator: "\n").filter { $0.hasPrefix("slow: ") }.map(String.init)
        #expect(outcome.standardOutput.contains("statements: 4"), "\(outcome.standardOutput)")
        #expect(
            Array(slow.prefix(4)) == [
                "slow: 4.000 ms  select $1::int, $2", "slow: 1.000 ms  select 'a'", "slow: 1.000 ms  select 'b'",
                "slow: 1.000 ms  select 'c'",
            ], "\(outcome.standardOutput)")

        let json = try await PGWExecutable.run(["decode", path, "--summary", "--format", "json"])
        let lines = json.standardOutput.split(separator: "\n")
        #expect(
            lines.contains(#"{"schema":1,"slowest":1,"latencyMicroseconds":4000,"statement":"select $1::int, $2"}"#),
            "\(json)")
        #expect(lines.contains(#"{"schema":1,"statements":4}"#), "\(json)")

        // --grep shows the Bind and Execute of the statement it matches, and the ReadyForQuery of each round trip.
        let grep = try await PGWExecutable.run(["decode", path, "--grep", "int"])
        #expect(
            grep.standardOutput.split(separator: "\n").filter { !$0.contains(" -- ") }.map {
                String($0.dropFirst(16))
            } == [
                #"#1 F Parse name="" "select $1::int, $2""#, "#1 B ReadyForQuery I (idle)  (1.000 ms)",
                #"#1 F Bind portal="" statement="" parameters=["5", "x"]"#, "#1 B ReadyForQuery I (idle)  (1.000 ms)",
                #"#1 F Execute portal="" maxRows=0"#, "#1 B ReadyForQuery I (idle)  (4.000 ms)",
            ], "\(grep)")
    }

    @Test("--grep, --skip, --filter, --summary and JSON that the schema accepts")
    func filtersAndSummary() async throws {
        var first = SyntheticConnection.ipv4(clientPort: 42_001)
        var second = SyntheticConnection.ipv4(clientPort: 42_002)
        let path = try Scenario.write(
            Self.session(&first, query: "select 'apple'") + Self.session(&second, query: "select 'pear'"))
        defer { unlink(path) }

        let grep = try await PGWExecutable.run(["decode", path, "--grep", "pear|1/0", "--skip", "readyforquery"])
        #expect(
            grep.standardOutput.split(separator: "\n").filter { $0.contains(" F ") }.map { String($0.dropFirst(16)) }
                == [#"#1 F Query "select 1/0""#, #"#2 F Query "select 'pear'""#, #"#2 F Query "select 1/0""#])

        let filtered = try await PGWExecutable.run(["decode", path, "--filter", "tcp port 42002", "--only", "Query"])
        #expect(!filtered.standardOutput.contains("apple") && filtered.standardOutput.contains("pear"), "\(filtered)")

        let summary = try await PGWExecutable.run(["decode", path, "--summary"])
        #expect(summary.succeeded)
        #expect(summary.standardOutput.contains("all 2 connections"), "\(summary)")
        #expect(summary.standardOutput.contains("statements: 4"), "\(summary)")
        #expect(summary.standardOutput.contains("errors: 22012 × 2"), "\(summary)")

        for arguments in [[path, "--format", "json"], [path, "--format", "json", "--summary"]] {
            let json = try await PGWExecutable.run(["decode"] + arguments)
            let lines = json.standardOutput.split(separator: "\n").map(String.init)
            #expect(!lines.isEmpty)
            #expect(try await JSONLinesSchemaValidator.problems(in: lines) == [])
        }
    }

    @Test("a capture of a link type pgw does not read (PPPoE) is named as such, not as 'no connection found'")
    func unreadLinkTypesAreNamed() async throws {
        let path = Scenario.temporaryPath("pppoe.pcap")
        defer { unlink(path) }
        let writer = try PacketCaptureWriter(path: path, linkType: 51)
        writer.write(
            [0x11, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x21], at: CaptureTimestamp(seconds: 1, nanoseconds: 0))
        try writer.close()
        let outcome = try await PGWExecutable.run(["decode", path])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(
            outcome.standardError.contains("link-layer type PPP_ETHER (PPPoE), which pgw decode does not read"),
            "\(outcome)")
        #expect(!outcome.standardError.contains("no PostgreSQL connection found"), "\(outcome)")
    }

    /// tshark's `tcp.stream`: `--filter` leaves connections their numbers, so `--connection N` of an unfiltered run
    /// still picks its connection, and a filter that takes only the server's packets shows them under it too.
    @Test("--filter keeps the connection numbers of an unfiltered run")
    func filterKeepsConnectionNumbers() async throws {
        var first = SyntheticConnection.ipv4(clientPort: 42_101)
        var second = SyntheticConnection.ipv4(clientPort: 42_102)
        let path = try Scenario.write(
            Self.session(&first, query: "select 'apple'") + Self.session(&second, query: "select 'pear'"))
        defer { unlink(path) }
        let filtered = try await PGWExecutable.run(["decode", path, "--filter", "tcp port 42102", "--only", "Query"])
        #expect(filtered.succeeded, "\(filtered)")
        #expect(filtered.standardOutput.contains(#"#2 F Query "select 'pear'""#), "\(filtered)")
        #expect(!filtered.standardOutput.contains("#1 "), "\(filtered)")
        let selected = try await PGWExecutable.run([
            "decode", path, "--filter", "tcp port 42102", "--connection", "2", "--only", "Query",
        ])
        #expect(selected.standardOutput.contains(#"#2 F Query "select 'pear'""#), "\(selected)")
        let serverSide = try await PGWExecutable.run([
            "decode", path, "--filter", "src port 5432 and dst port 42102", "--only", "CommandComplete",
        ])
        #expect(serverSide.standardOutput.contains(#"#2 B CommandComplete "SELECT 1""#), "\(serverSide)")
        let other = try await PGWExecutable.run(["decode", path, "--filter", "tcp port 42102", "--connection", "1"])
        #expect(other.status == 1, "\(other)")
        #expect(
            other.standardError.contains(
                "connection #1 of '\(path)' has no packet matching the filter 'tcp port 42102'"), "\(other)")
    }

    /// The report's `--filter "dst port P"`: a client closes with FIN, the server still sends, then the client's
    /// stack answers with RST. The client's packets alone end the connection at its FIN (as in a capture of them
    /// alone), but the connection goes on in the capture: its RST is not a new connection (from mid-connection) that
    /// takes the next number.
    @Test("--filter: the packets after a connection's FIN of one side are still its own, not a new connection")
    func filterKeepsAConnectionAfterOneSidesFinish() async throws {
        var first = SyntheticConnection.ipv4(clientPort: 42_301)
        var segments =
            first.handshake() + [
                first.send(Scenario.startup), first.send(Scenario.ready), first.send(Scenario.query("select 1")),
                first.send(Scenario.result("SELECT 1")), first.segment(.frontend, flags: 0x11, payload: []),
            ]
        first.clientSequence &+= 1
        segments += [
            first.send([.backend(.noticeResponse(DiagnosticMessage(fields: [.init(.severity, "NOTICE")])))]),
            first.segment(.frontend, flags: 0x04, payload: []),
        ]
        var second = SyntheticConnection.ipv4(clientPort: 42_302)
        let path = try Scenario.write(segments + Self.session(&second, query: "select 'second'"))
        defer { unlink(path) }
        for filter in [[], ["--filter", "dst port 5432"]] {
            let outcome = try await PGWExecutable.run(["decode", path, "--only", "Query"] + filter)
            #expect(outcome.succeeded, "\(outcome)")
            let lines = outcome.standardOutput.split(separator: "\n").map { String($0.dropFirst(16)) }
            #expect(!lines.contains { $0.contains("mid-connection") }, "\(filter): \(outcome)")
            #expect(lines.contains { $0.hasPrefix("#2 -- connection 127.0.0.1:42302 ") }, "\(filter): \(outcome)")
            #expect(lines.contains(#"#2 F Query "select 'second'""#), "\(filter): \(outcome)")
            #expect(!lines.contains { $0.hasPrefix("#3 ") }, "\(filter): \(outcome)")
        }
    }

    /// A Query sent right behind the StartupMessage, before the login's ReadyForQuery: that ReadyForQuery shows no
    /// latency, the Query's own one does, and `--summary` times the Query from its own answer.
    @Test("a Query pipelined behind the StartupMessage is not charged with the login")
    func queryPipelinedBehindTheStartup() async throws {
        var connection = SyntheticConnection.ipv4(clientPort: 42_201)
        let segments =
            connection.handshake() + [
                connection.send(Scenario.startup + Scenario.query("select 42")),
                connection.send(Scenario.ready), connection.send(Scenario.result("SELECT 1")),
            ] + connection.close()
        let path = try Scenario.write(segments)
        defer { unlink(path) }
        let outcome = try await PGWExecutable.run(["decode", path, "--only", "ReadyForQuery"])
        #expect(outcome.succeeded, "\(outcome)")
        let ready = outcome.standardOutput.split(separator: "\n").filter { $0.contains("ReadyForQuery") }.map {
            String($0.dropFirst(16))
        }
        #expect(ready == ["#1 B ReadyForQuery I (idle)", "#1 B ReadyForQuery I (idle)  (2.000 ms)"], "\(outcome)")
    }

    @Test("a LATIN1 query in a capture is shown escaped and decoding goes on")
    func nonUTF8() async throws {
        var connection = SyntheticConnection.ipv4()
        let latin1: [UInt8] = [UInt8(ascii: "Q"), 0, 0, 0, 15] + Array("select '".utf8) + [0xE9, 0x27, 0]
        let segments =
            connection.handshake() + [
                connection.send(Scenario.startup), connection.send(Scenario.ready),
                connection.send(.frontend, latin1), connection.send(Scenario.result("SELECT 1")),
            ] + connection.close()
        let path = try Scenario.write(segments)
        defer { unlink(path) }
        let text = try await PGWExecutable.run(["decode", path, "--only", "query,commandcomplete"])
        #expect(text.succeeded, "\(text)")
        #expect(text.standardOutput.contains(#"#1 F Query "select '\xe9'""#), "\(text)")
        #expect(text.standardOutput.contains(#"#1 B CommandComplete "SELECT 1""#), "\(text)")
        let json = try await PGWExecutable.run(["decode", path, "--format", "json", "--only", "query"])
        #expect(json.standardOutput.contains(#""query":{"hex":"73656c6563742027e927"}"#), "\(json)")
        // The summary's slowest statements show it as the message line does, not as private-use characters.
        let summary = try await PGWExecutable.run(["decode", path, "--summary"])
        #expect(summary.standardOutput.contains(#"slow: 1.000 ms  select '\xe9'"#), "\(summary)")
        #expect(!summary.standardOutput.unicodeScalars.contains { $0.value >= 0x10_FF00 }, "\(summary)")
    }

    /// The summary counts every message: a choice of messages to print has nothing to apply to, and a user would
    /// read the totals as the chosen messages' (`--summary --grep UPDATE`).
    @Test("--summary with --grep, --only, --skip or --format hex: a usage error naming the option")
    func summaryTakesNoChoiceOfMessages() async throws {
        var connection = SyntheticConnection.ipv4(clientPort: 42_301)
        let path = try Scenario.write(Self.session(&connection, query: "select 'third'"))
        defer { unlink(path) }
        for (arguments, name) in [
            (["--grep", "third"], "--grep"), (["--only", "ErrorResponse"], "--only"),
            (["--skip", "DataRow"], "--skip"),
            (["--format", "hex"], "--format hex"),
        ] {
            let outcome = try await PGWExecutable.run(["decode", path, "--summary"] + arguments)
            #expect(outcome.status == 64, "\(outcome)")
            #expect(
                outcome.standardError.contains(
                    "\(name) applies to the messages printed; --summary counts every message"), "\(outcome)")
            #expect(outcome.standardOutput.isEmpty, "\(outcome)")
        }
        let json = try await PGWExecutable.run(["decode", path, "--summary", "--format", "json"])
        #expect(json.succeeded, "\(json)")
    }

    @Test("bad arguments and inputs: exit status, reason and hint")
    func badInput() async throws {
        let directory = Scenario.temporaryPath("dir")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { rmdir(directory) }
        let missing = try await PGWExecutable.run(["decode", directory + "/none.pcap"])
        #expect(missing.status == 1, "\(missing)")
        #expect(
            missing.standardError.contains("cannot read capture '\(directory)/none.pcap': No such file or directory"),
            "the name once: \(missing)")
        #expect(missing.standardError.contains("hint:"))

        var connection = SyntheticConnection.ipv4(serverPort: 6000)
        let path = try Scenario.write(connection.handshake())
        defer { unlink(path) }
        let filter = try await PGWExecutable.run(["decode", path, "--filter", "port port"])
        #expect(filter.status == 64 && filter.standardError.contains("invalid --filter expression"), "\(filter)")
        let none = try await PGWExecutable.run(["decode", path])
        #expect(none.status == 1 && none.standardError.contains("no PostgreSQL connection found"), "\(none)")
        let withPort = try await PGWExecutable.run(["decode", path, "--port", "6000"])
        #expect(withPort.succeeded && withPort.standardOutput.contains("#1 -- connection"), "\(withPort)")
        let asStream = try await PGWExecutable.run(["decode", "--frontend", path])
        #expect(
            asStream.status == 1 && asStream.standardError.contains("decode it with 'pgw decode FILE'"), "\(asStream)")
        let both = try await PGWExecutable.run(["decode", path, "--frontend", path])
        #expect(both.status == 64, "\(both)")

        // An empty file or input is said to be empty (libpcap calls it a truncated dump file).
        let empty = Scenario.temporaryPath("empty.pcap")
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        defer { unlink(empty) }
        let emptyFile = try await PGWExecutable.run(["decode", empty])
        #expect(emptyFile.status == 1, "\(emptyFile)")
        #expect(
            emptyFile.standardError.contains("pgw: cannot read capture '\(empty)': the file is empty\n"), "\(emptyFile)"
        )
        #expect(!emptyFile.standardError.contains("truncated"), "\(emptyFile)")
        let emptyInput = try await PGWExecutable.run(["decode", "-"], standardInput: "")
        #expect(emptyInput.status == 1, "\(emptyInput)")
        #expect(
            emptyInput.standardError.contains("pgw: cannot read capture standard input: the input is empty\n"),
            "\(emptyInput)")
    }

    /// libpcap refuses a pcapng whose interfaces have different link types (`dumpcap -i lo -i any`): pgw says what
    /// libpcap cannot read, with both link types named, not that the file is damaged, and how to split it.
    @Test("a pcapng with interfaces of different link types: libpcap cannot read it, and pgw says so exactly")
    func pcapngWithMixedLinkTypes() async throws {
        var first = SyntheticConnection.ipv4(clientPort: 45_001)
        var second = SyntheticConnection.ipv4(clientPort: 45_002)
        let ethernet = try Scenario.write(DecodeCaptureCommandTests.session(&first, query: "select 'first'"))
        let cooked = try Scenario.write(
            DecodeCaptureCommandTests.session(&second, query: "select 'second'"), framing: .linuxSLL2)
        let merged = Scenario.temporaryPath("mixed.pcapng")
        defer { for path in [ethernet, cooked, merged] { unlink(path) } }
        let mergecap = try PostgresInstallation.executableOnPath("mergecap")
        let merging = try await SubprocessCommand(mergecap, ["-F", "pcapng", "-w", merged, ethernet, cooked]).run()
        #expect(merging.succeeded, "mergecap (Debian wireshark-common): \(merging.standardError)")

        let outcome = try await PGWExecutable.run(["decode", merged])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(
            outcome.standardError.contains(
                "pgw: cannot read capture '\(merged)': libpcap cannot read a pcapng whose interfaces have different "
                    + "link types (here Ethernet and Linux cooked v2)"), "\(outcome)")
        #expect(!outcome.standardError.contains("damaged"), "\(outcome)")
        #expect(!outcome.standardError.contains("no PostgreSQL connection found"), "\(outcome)")
        #expect(
            outcome.standardError.contains(
                "pgw: hint: capture on one interface, or write each interface's packets to a pcap of their own"),
            "\(outcome)")
        #expect(
            outcome.standardError.contains(
                "tshark -r '\(merged)' -Y 'frame.interface_id == 0' -w i0.pcapng; editcap -F pcap -T ether "),
            "\(outcome)")
        #expect(
            outcome.standardError.contains(
                "-T ether i0.pcapng i0.pcap (interface 0 is Ethernet); likewise for each other interface N "
                    + "('frame.interface_id == N'), with -T linux-sll2 for Linux cooked v2"), "\(outcome)")

        // Interface 0 the Linux cooked one: the hint's -T is its type, not Ethernet's.
        let cookedFirst = Scenario.temporaryPath("mixed-cooked-first.pcapng")
        defer { unlink(cookedFirst) }
        let mergingCookedFirst = try await SubprocessCommand(
            mergecap, ["-F", "pcapng", "-w", cookedFirst, cooked, ethernet]
        ).run()
        #expect(mergingCookedFirst.succeeded, "\(mergingCookedFirst.standardError)")
        let swapped = try await PGWExecutable.run(["decode", cookedFirst])
        #expect(swapped.status == 1, "\(swapped)")
        #expect(
            swapped.standardError.contains(
                "tshark -r '\(cookedFirst)' -Y 'frame.interface_id == 0' -w i0.pcapng; editcap -F pcap -T linux-sll2 "
                    + "i0.pcapng i0.pcap (interface 0 is Linux cooked v2); likewise for each other interface N "
                    + "('frame.interface_id == N'), with -T ether for Ethernet"), "\(swapped)")
    }
}
