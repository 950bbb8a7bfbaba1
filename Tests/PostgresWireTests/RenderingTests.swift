import NIOCore
import PostgresWire
import Testing

/// Text lines, JSON objects and hex dumps, with secrets masked by default.
struct RenderingTests {
    @Test func textLinesReadLikeTheProtocol() {
        #expect(FrontendMessage.query(Query("select 1")).rendered().textLine == #"Query "select 1""#)
        let columns = RowDescription(columns: [
            .init(name: "id", dataTypeOID: 23), .init(name: "name", dataTypeOID: 25),
        ])
        #expect(BackendMessage.rowDescription(columns).rendered().textLine == "RowDescription [id int4, name text]")
        let error = DiagnosticMessage(severity: "ERROR", sqlState: "42P01", message: #"relation "t" does not exist"#)
        #expect(
            BackendMessage.errorResponse(error).rendered().textLine
                == #"ErrorResponse ERROR 42P01 relation "t" does not exist"#)
        let row = DataRow(columns: [ByteBuffer(string: "1"), nil, ByteBuffer(bytes: [0, 1])])
        #expect(BackendMessage.dataRow(row).rendered().textLine == #"DataRow ["1", NULL, "\\x0001"]"#)
        #expect(BackendMessage.readyForQuery(.inTransaction).rendered().textLine == "ReadyForQuery T (in transaction)")
        #expect(FrontendMessage.sync.rendered().textLine == "Sync")
    }

    @Test func jsonNamesTheSchemaTheDirectionAndTheDocumentedType() {
        let continueMessage = BackendMessage.authentication(.saslContinue(data: ByteBuffer(string: "r=abc")))
        #expect(
            continueMessage.rendered().jsonLine(offset: 9, length: 14)
                == #"{"schema":1,"direction":"backend","type":"AuthenticationSASLContinue","offset":9,"length":14,"#
                + #""dataLength":5,"data":{"maskedBytes":5}}"#
        )
        #expect(
            BackendMessage.sslResponse(accepted: false).rendered().jsonLine(offset: 0, length: 1)
                == #"{"schema":1,"direction":"backend","type":"SSLResponse","offset":0,"length":1,"accepted":false}"#)
        let error = DiagnosticMessage(severity: "ERROR", sqlState: "28P01", message: "password authentication failed")
        #expect(
            BackendMessage.errorResponse(error).rendered().jsonLine(offset: 0, length: 1).contains(
                #""code":"28P01","message":"password authentication failed"},"legacy":false"#))
    }

    @Test func jsonTellsBytesFromTextAndNeverRepeatsAKey() {
        let copyData = BackendMessage.copyData(CopyData(data: ByteBuffer(string: "\\x41")))
        let copy = DecodedMessage(message: .backend(copyData), offset: 0, bytes: encoded(copyData))
        #expect(copy.formatted(as: .json).hasSuffix(#""length":9,"dataLength":4,"data":{"text":"\\x41"}}"#))
        let row = BackendMessage.dataRow(DataRow(columns: [ByteBuffer(string: "1"), nil, ByteBuffer(bytes: [0, 1])]))
        #expect(
            row.rendered().jsonLine(offset: 0, length: 0).hasSuffix(
                #""columns":[{"text":"1"},null,{"hex":"0001"}]}"#))
        let startup = FrontendMessage.startup(
            StartupMessage(parameters: [.init("user", "a"), .init("options", "-c x=1"), .init("options", "-c y=2")]))
        #expect(
            startup.rendered().jsonLine(offset: 0, length: 0).hasSuffix(
                #""parameters":{"user":"a","options":["-c x=1","-c y=2"]}}"#))
        let key = FrontendMessage.cancelRequest(CancelRequest(processID: 7, secretKey: [0x41, 0x42, 0x43, 0x44]))
        #expect(
            key.rendered(options: RenderOptions(revealSecrets: true)).jsonLine(offset: 0, length: 16).hasSuffix(
                #""processID":7,"secretKey":{"hex":"41424344"}}"#))
        #expect(key.rendered().jsonLine(offset: 0, length: 16).hasSuffix(#""secretKey":{"maskedBytes":4}}"#))
    }

    @Test func secretsAreMaskedUnlessRevealed() {
        let password = FrontendMessage.password(PasswordMessage(password: "hunter2"))
        #expect(password.rendered().textLine == "PasswordMessage ****")
        #expect(!password.rendered().jsonLine(offset: 0, length: 12).contains("hunter2"))
        #expect(
            password.rendered(options: RenderOptions(revealSecrets: true)).textLine == #"PasswordMessage "hunter2""#)
        let sasl = FrontendMessage.saslInitialResponse(
            SASLInitialResponse(mechanism: "SCRAM-SHA-256", data: ByteBuffer(string: "n,,n=,r=nonce")))
        #expect(sasl.rendered().textLine == "SASLInitialResponse SCRAM-SHA-256 ****")
        let key = BackendMessage.backendKeyData(BackendKeyData(processID: 7, secretKey: [1, 2, 3, 4]))
        #expect(key.rendered().textLine == "BackendKeyData pid=7 key=****")
        let decoded = DecodedMessage(message: .frontend(password), offset: 0, bytes: encoded(password))
        let dump = decoded.formatted(as: .hex)
        #expect(!dump.contains("68 75 6e 74"))
        #expect(dump.contains("(8 bytes of secret data masked)"))
    }

    @Test func hexDumpsShowOffsetsBytesAndASCII() {
        let query = FrontendMessage.query(Query("select 1"))
        let decoded = DecodedMessage(message: .frontend(query), offset: 32, bytes: encoded(query))
        #expect(
            decoded.formatted(as: .hex) == """
                F Query offset=32 length=14
                00000020  51 00 00 00 0d 73 65 6c 65 63 74 20 31 00        |Q....select 1.|
                """
        )
    }

    @Test func everySyntheticMessageRendersInEveryFormat() {
        for session in SyntheticSessions.all {
            let messages = session.frontend.map(WireMessage.frontend) + session.backend.map(WireMessage.backend)
            for message in messages {
                var bytes = ByteBuffer()
                message.encode(into: &bytes)
                let decoded = DecodedMessage(message: message, offset: 0, bytes: bytes)
                #expect(
                    decoded.formatted(as: .text).hasPrefix(
                        (message.direction == .frontend ? "F " : "B ") + message.typeName))
                #expect(
                    decoded.formatted(as: .json).hasPrefix(
                        #"{"schema":1,"direction":""# + message.direction.rawValue + #"","type":""# + message.typeName
                            + "\""))
                #expect(decoded.formatted(as: .hex).contains("length=\(bytes.readableBytes)"))
            }
        }
    }

    @Test func summaryCountsMessagesAndBytes() {
        var statistics = MessageStatistics()
        let sync = FrontendMessage.sync
        for offset in [0, 5] {
            statistics.add(DecodedMessage(message: .frontend(sync), offset: offset, bytes: encoded(sync)))
        }
        #expect(
            statistics.sortedEntries == [
                MessageStatistics.Entry(direction: .frontend, type: "Sync", count: 2, bytes: 10)
            ])
        #expect(
            statistics.formatted(as: .json)
                == #"{"schema":1,"direction":"frontend","type":"Sync","count":2,"bytes":10}"#)
    }
}
