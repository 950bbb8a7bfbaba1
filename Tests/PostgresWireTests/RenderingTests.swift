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

    @Test func jsonNamesTheDirectionAndTheDocumentedType() {
        let continueMessage = BackendMessage.authentication(.saslContinue(data: ByteBuffer(string: "r=abc")))
        #expect(
            continueMessage.rendered().jsonLine
                == #"{"direction":"backend","type":"AuthenticationSASLContinue","length":5,"data":"<5 bytes masked>"}"#
        )
        #expect(
            BackendMessage.sslResponse(accepted: false).rendered().jsonLine
                == #"{"direction":"backend","type":"SSLResponse","accepted":false}"#)
        #expect(BackendMessage.gssENCResponse(accepted: true).rendered().jsonLine.contains(#""type":"GSSENCResponse""#))
        let error = DiagnosticMessage(severity: "ERROR", sqlState: "28P01", message: "password authentication failed")
        #expect(BackendMessage.errorResponse(error).rendered().jsonLine.contains(#""code":"28P01""#))
    }

    @Test func secretsAreMaskedUnlessRevealed() {
        let password = FrontendMessage.password(PasswordMessage(password: "hunter2"))
        #expect(password.rendered().textLine == "PasswordMessage ****")
        #expect(!password.rendered().jsonLine.contains("hunter2"))
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
                        #"{"direction":""# + message.direction.rawValue + #"","type":""# + message.typeName + "\""))
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
        #expect(statistics.formatted(as: .json) == #"{"direction":"frontend","type":"Sync","count":2,"bytes":10}"#)
    }
}
