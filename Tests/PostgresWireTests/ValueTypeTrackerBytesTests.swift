import NIOCore
import PostgresWire
import Testing

/// ``ValueTypeTracker`` takes Parse, Bind, Describe, Execute, Close and RowDescription from their bytes (as the
/// proxy's JSON log passes them) exactly as it takes them decoded; no I/O.
struct ValueTypeTrackerBytesTests {
    static let int8Column = RowDescription.Column(name: "n", dataTypeOID: 20)
    static let textColumn = RowDescription.Column(name: "x", dataTypeOID: 25)

    /// A session: a statement parsed and described, bound with text and with binary parameters, described as a
    /// portal, executed, closed; then a simple Query.
    static let conversation: [WireMessage] = [
        .backend(.readyForQuery(.idle)),
        .frontend(.parse(Parse(name: "s1", query: "select $1::int8, 'x'", parameterTypes: [20]))),
        .frontend(.describe(.statement("s1"))), .frontend(.sync),
        .backend(.parseComplete), .backend(.parameterDescription(ParameterDescription(parameterTypes: [20]))),
        .backend(.rowDescription(RowDescription(columns: [int8Column, textColumn]))), .backend(.readyForQuery(.idle)),
        .frontend(
            .bind(
                Bind(
                    portal: "p", statement: "s1", parameterFormats: [.text], parameters: [ByteBuffer(string: "7")],
                    resultFormats: [.binary, .text]))),
        .frontend(.describe(.portal("p"))), .frontend(.execute(Execute(portal: "p", maxRows: 10))),
        .frontend(
            .bind(
                Bind(
                    portal: "q", statement: "s1", parameterFormats: [.binary], parameters: [ByteBuffer(bytes: [0, 7])],
                    resultFormats: [.binary]))),
        .frontend(.execute(Execute(portal: "q"))), .frontend(.close(.portal("p"))),
        .frontend(.close(.statement("s1"))), .frontend(.sync),
        .backend(.bindComplete),
        .backend(
            .rowDescription(
                RowDescription(columns: [
                    RowDescription.Column(name: "n", dataTypeOID: 20, format: .binary), textColumn,
                ]))),
        .backend(.dataRow(DataRow(columns: [ByteBuffer(bytes: [0, 0, 0, 0, 0, 0, 0, 7]), ByteBuffer(string: "x")]))),
        .backend(.commandComplete(CommandComplete(tag: "SELECT 1"))), .backend(.bindComplete),
        .backend(.commandComplete(CommandComplete(tag: "SELECT 1"))), .backend(.closeComplete),
        .backend(.closeComplete), .backend(.readyForQuery(.idle)),
        .frontend(.query(Query("select 'y' as x"))), .backend(.rowDescription(RowDescription(columns: [textColumn]))),
        .backend(.dataRow(DataRow(columns: [ByteBuffer(string: "y")]))),
        .backend(.commandComplete(CommandComplete(tag: "SELECT 1"))), .backend(.readyForQuery(.idle)),
    ]

    @Test func bytesAndDecodedMessagesAreTakenAlike() {
        var decoded = ValueTypeTracker()
        var fromBytes = ValueTypeTracker()
        var takenFromBytes: [String] = []
        for message in Self.conversation {
            switch message {
            case .frontend(let frontendMessage): _ = decoded.observe(frontendMessage)
            case .backend(let backendMessage): _ = decoded.observe(backendMessage)
            }
            var body = ByteBuffer()
            message.encode(into: &body)
            let typeByte = body.readInteger(as: UInt8.self)!
            body.moveReaderIndex(forwardBy: 4)
            if fromBytes.observe(typeByte: typeByte, body: body, from: message.direction) {
                takenFromBytes.append(message.typeName)
            } else {
                switch message {
                case .frontend(let frontendMessage): _ = fromBytes.observe(frontendMessage)
                case .backend(let backendMessage): _ = fromBytes.observe(backendMessage)
                }
            }
            #expect(decoded.dataRowColumns == fromBytes.dataRowColumns, "after \(message.typeName)")
        }
        #expect(
            takenFromBytes == [
                "Parse", "Describe", "RowDescription", "Bind", "Describe", "Execute", "Execute", "Close", "Close",
                "RowDescription", "RowDescription",
            ], "a Bind with binary parameters is left to the decoded form: \(takenFromBytes)")
    }

    @Test func truncatedBodiesAreNotTaken() {
        var tracker = ValueTypeTracker()
        for (typeByte, direction) in [
            ("P", MessageDirection.frontend), ("B", .frontend), ("D", .frontend),
            ("E", .frontend), ("C", .frontend), ("T", .backend),
        ] as [(Character, MessageDirection)] {
            let body = ByteBuffer(bytes: [0x00, 0x01])
            let taken = tracker.observe(typeByte: typeByte.asciiValue!, body: body, from: direction)
            #expect(!taken, "\(typeByte)")
        }
    }
}
